// Every event and item type `codex exec --json` (0.169) prints.
#include "executor/codex_events.h"
#include "cmocka_cpp.h"

static CodexEvent parse(const char *line) { return codex_event_parse(line); }

static void thread_started(void **) {
    CodexEvent e = parse(R"({"type":"thread.started","thread_id":"01a2"})");
    assert_int_equal(e.kind, CodexEventKind::ThreadStarted);
    assert_str_equal(e.text, "01a2");
}

static void turn_started(void **) {
    assert_int_equal(parse(R"({"type":"turn.started"})").kind, CodexEventKind::TurnStarted);
}

static void turn_completed_carries_usage(void **) {
    CodexEvent e = parse(R"({"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,)"
                         R"("cache_write_input_tokens":0,"output_tokens":3,"reasoning_output_tokens":1}})");
    assert_int_equal(e.kind, CodexEventKind::TurnCompleted);
    assert_int_equal(e.usage.input_tokens, 10);
    assert_int_equal(e.usage.cached_input_tokens, 2);
    assert_int_equal(e.usage.output_tokens, 3);
    assert_int_equal(e.usage.reasoning_tokens, 1);
}

static void turn_completed_without_usage_is_zero(void **) {
    CodexEvent e = parse(R"({"type":"turn.completed"})");
    assert_int_equal(e.kind, CodexEventKind::TurnCompleted);
    assert_int_equal(e.usage.input_tokens, 0);
}

static uint64_t input_tokens_of(const char *value) {
    std::string line = std::string(R"({"type":"turn.completed","usage":{"input_tokens":)") + value + "}}";
    return codex_event_parse(line).usage.input_tokens;
}

// A count no uint64_t holds is no count: converting it would be undefined.
static void huge_usage_count_is_absent(void **) {
    assert_int_equal(input_tokens_of("1e30"), 0);
    assert_int_equal(input_tokens_of("18446744073709551616"), 0);  // 2^64
}

static void infinite_usage_count_is_absent(void **) { assert_int_equal(input_tokens_of("1e999"), 0); }

static void negative_usage_count_is_absent(void **) {
    assert_int_equal(input_tokens_of("-5"), 0);
    assert_int_equal(input_tokens_of("-1e30"), 0);
}

static void fractional_usage_count_is_truncated(void **) { assert_int_equal(input_tokens_of("1.5"), 1); }

static void string_usage_count_is_absent(void **) { assert_int_equal(input_tokens_of("\"12\""), 0); }

static void usage_count_up_to_2_pow_53_is_kept(void **) {
    assert_int_equal(input_tokens_of("9007199254740992"), 9007199254740992ull);
}

static void turn_failed_carries_message(void **) {
    CodexEvent e = parse(R"({"type":"turn.failed","error":{"message":"stream disconnected"}})");
    assert_int_equal(e.kind, CodexEventKind::TurnFailed);
    assert_str_equal(e.text, "stream disconnected");
}

static void top_level_error_is_a_notice(void **) {
    CodexEvent e = parse(R"({"type":"error","message":"Reconnecting... 1/5"})");
    assert_int_equal(e.kind, CodexEventKind::Notice);
    assert_str_equal(e.text, "Reconnecting... 1/5");
}

static void error_item_is_a_notice(void **) {
    CodexEvent e = parse(R"({"type":"item.completed","item":{"id":"item_0","type":"error",)"
                         R"("message":"Model metadata not found"}})");
    assert_int_equal(e.kind, CodexEventKind::Notice);
    assert_str_equal(e.text, "Model metadata not found");
}

static void agent_message_carries_text(void **) {
    CodexEvent e = parse(R"({"type":"item.completed","item":{"id":"item_1","type":"agent_message",)"
                         R"("text":"Hello\nworld"}})");
    assert_int_equal(e.kind, CodexEventKind::AgentMessage);
    assert_str_equal(e.text, "Hello\nworld");
}

static void reasoning_item(void **) {
    CodexEvent e = parse(R"({"type":"item.completed","item":{"id":"item_2","type":"reasoning",)"
                         R"("text":"**Thinking**"}})");
    assert_int_equal(e.kind, CodexEventKind::Reasoning);
    assert_str_equal(e.text, "**Thinking**");
}

static void tool_items_are_tool_activity(void **) {
    const char *items[] = {
        R"({"type":"item.completed","item":{"id":"i","type":"command_execution","command":"ls","aggregated_output":"",)"
        R"("exit_code":0,"status":"completed"}})",
        R"({"type":"item.completed","item":{"id":"i","type":"file_change","changes":[],"status":"completed"}})",
        R"({"type":"item.completed","item":{"id":"i","type":"mcp_tool_call","server":"s","tool":"t",)"
        R"("status":"completed"}})",
        R"({"type":"item.completed","item":{"id":"i","type":"collab_tool_call","status":"completed"}})",
        R"({"type":"item.completed","item":{"id":"i","type":"web_search","query":"q"}})",
        R"({"type":"item.completed","item":{"id":"i","type":"todo_list","items":[]}})",
    };
    for (const char *l : items) assert_int_equal(parse(l).kind, CodexEventKind::ToolActivity);
    assert_str_equal(parse(items[0]).item_type, "command_execution");
}

static void started_and_updated_items_are_progress(void **) {
    assert_int_equal(parse(R"({"type":"item.started","item":{"id":"i","type":"command_execution",)"
                           R"("status":"in_progress"}})")
                         .kind,
                     CodexEventKind::ItemProgress);
    assert_int_equal(parse(R"({"type":"item.updated","item":{"id":"i","type":"todo_list","items":[]}})").kind,
                     CodexEventKind::ItemProgress);
    assert_int_equal(parse(R"({"type":"item.started","item":{"id":"i","type":"agent_message","text":""}})").kind,
                     CodexEventKind::ItemProgress);
}

static void unknown_type_is_unknown_not_malformed(void **) {
    CodexEvent e = parse(R"({"type":"turn.paused"})");
    assert_int_equal(e.kind, CodexEventKind::Unknown);
    assert_str_equal(e.item_type, "turn.paused");
}

static void non_events_are_malformed(void **) {
    for (const char *l : {"", "not json", "[]", "{}", R"({"type":5})", R"({"type":"item.completed"})",
                          "WARNING: proceeding, even though we could not create PATH aliases"})
        assert_int_equal(parse(l).kind, CodexEventKind::Malformed);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_started),
        cmocka_unit_test(turn_started),
        cmocka_unit_test(turn_completed_carries_usage),
        cmocka_unit_test(turn_completed_without_usage_is_zero),
        cmocka_unit_test(huge_usage_count_is_absent),
        cmocka_unit_test(infinite_usage_count_is_absent),
        cmocka_unit_test(negative_usage_count_is_absent),
        cmocka_unit_test(fractional_usage_count_is_truncated),
        cmocka_unit_test(string_usage_count_is_absent),
        cmocka_unit_test(usage_count_up_to_2_pow_53_is_kept),
        cmocka_unit_test(turn_failed_carries_message),
        cmocka_unit_test(top_level_error_is_a_notice),
        cmocka_unit_test(error_item_is_a_notice),
        cmocka_unit_test(agent_message_carries_text),
        cmocka_unit_test(reasoning_item),
        cmocka_unit_test(tool_items_are_tool_activity),
        cmocka_unit_test(started_and_updated_items_are_progress),
        cmocka_unit_test(unknown_type_is_unknown_not_malformed),
        cmocka_unit_test(non_events_are_malformed),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
