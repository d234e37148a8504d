#include "supervisor/api/responses_api.h"
#include "supervisor/api/request_common.h"
#include "cmocka_cpp.h"

#include <cstdlib>
#include <cstring>
#include <string>

static ApiError fails(const char *body) {
    ResponsesRequest r;
    ApiError e;
    assert_false(responses_request_parse(body, nullptr, r, e));
    assert_int_equal(e.status, 400);
    return e;
}

static void string_input_is_one_user_turn(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"gpt-5.2","input":"hello"})", nullptr, r, e));
    assert_int_equal(r.conversation().turns.size(), 1);
    assert_str_equal(r.conversation().turns[0].role, "user");
    assert_str_equal(r.conversation().turns[0].content, "hello");
}

// The conversation is counted while it is read (PromptBudget): the model
// comes first, so an over-long input to an unknown model is the 404.
static void over_long_input_to_an_unknown_model_is_404(void **) {
    ModelNames names;
    std::string why;
    assert_true(model_names_parse("gpt-5.1-codex", "", "reject", names, why));
    std::string body = R"({"model":"gpt-4o","input":")" + std::string(kCodexMaxInputChars + 1, 'x') + "\"}";
    ResponsesRequest r;
    ApiError e;
    assert_false(responses_request_parse(body, nullptr, r, e, "", names));
    assert_int_equal(e.status, 404);
    assert_string_equal(e.code, "model_not_found");
}

static void instructions_come_first_as_system(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"m","input":"hi","instructions":"Be brief."})", nullptr, r, e));
    Conversation c = r.conversation();
    assert_int_equal(c.turns.size(), 1);
    assert_true(c.instructions.has_value());
    assert_str_equal(*c.instructions, "Be brief.");
    assert_true(r.has_instructions);
}

static void message_items_with_and_without_type(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"m","stream":true,"input":[
        {"role":"developer","content":"d"},
        {"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"a"}]}]})",
                                        nullptr, r, e));
    assert_true(r.stream);
    assert_int_equal(r.conversation().turns.size(), 3);
    assert_str_equal(r.conversation().turns[1].content, "q");
    assert_str_equal(r.conversation().turns[2].role, "assistant");
}

static void unsupported_item_type_is_named(void **) {
    ApiError e = fails(R"({"model":"m","input":[{"type":"web_search_call","id":"ws_1"}]})");
    assert_str_equal(e.param, "input[0].type");
}

static void function_call_items_become_transcript_turns(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(
        R"({"model":"m","input":[{"type":"function_call","call_id":"call_1","name":"f","arguments":"{}"},)"
        R"({"type":"function_call_output","call_id":"call_1","output":"42"}]})",
        nullptr, r, e));
    assert_int_equal(r.input.size(), 2);
    assert_str_equal(r.input[0].role, "assistant");
    assert_non_null(strstr(r.input[0].tool_calls.text().c_str(), "\"call_1\""));
    assert_str_equal(r.input[1].role, "tool");
    assert_str_equal(r.input[1].tool_call_id, "call_1");
    assert_str_equal(r.input[1].content, "42");
}

static void function_call_without_call_id_fails(void **) {
    ApiError e = fails(R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})");
    assert_str_equal(e.param, "input[0].call_id");
}

static void flat_tools_and_text_format_parse(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(
        R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],)"
        R"("tool_choice":{"type":"function","name":"f"},"text":{"format":{"type":"json_schema","name":"s",)"
        R"("schema":{"type":"object","definitions":{"a":{"type":"string"}},)"
        R"("properties":{"a":{"$ref":"#/definitions/a"}}}}}})",
        nullptr, r, e));
    assert_int_equal(r.spec.tools.size(), 1);
    assert_true(r.spec.tool_choice == ToolChoice::Named);
    assert_true(r.spec.format == FormatKind::JsonSchema);
    assert_non_null(strstr(r.spec.schema.text().c_str(), "#/$defs/a"));
}

static void bad_role_and_bad_input_fail(void **) {
    assert_str_equal(fails(R"({"model":"m","input":[{"role":"tool","content":"x"}]})").param, "input[0].role");
    assert_str_equal(fails(R"({"model":"m","input":5})").param, "input");
    assert_str_equal(fails(R"({"model":"m","input":[]})").param, "input");
    assert_str_equal(fails(R"({"model":"m","input":"x","instructions":3})").param, "instructions");
}

static void unknown_previous_response_and_reference_name_the_id(void **) {
    ApiError e = fails(R"({"model":"m","input":"x","previous_response_id":"resp_0123456789abcdef01234567"})");
    assert_str_equal(e.param, "previous_response_id");
    assert_non_null(strstr(e.message.c_str(), "resp_0123456789abcdef01234567"));
    e = fails(R"({"model":"m","input":[{"type":"item_reference","id":"msg_0123456789abcdef01234567"}]})");
    assert_str_equal(e.param, "input[0].id");
    assert_non_null(strstr(e.message.c_str(), "msg_0123456789abcdef01234567"));
}

static void stored_history_and_references_resolve(void **) {
    char dir[] = "/tmp/test-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ResponseStore store;
    std::string err;
    assert_true(store.open(std::string(dir) + "/r", 1 << 20, 3600, err));
    std::vector<Turn> conv = {{"user", "q1", "", "", {}}, {"assistant", "a1", "", "", {}}};
    assert_true(store.put("", "resp_0123456789abcdef01234567", conv, {{"msg_aaaaaaaaaaaaaaaaaaaaaaaa", conv[1]}}));
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"m","instructions":"I",)"
                                        R"("previous_response_id":"resp_0123456789abcdef01234567",
        "input":[{"type":"item_reference","id":"msg_aaaaaaaaaaaaaaaaaaaaaaaa"},{"role":"user",
        "content":"q2"}]})",
                                        &store, r, e));
    Conversation c = r.conversation();
    auto &t = c.turns;
    assert_int_equal(t.size(), 4);
    assert_str_equal(*c.instructions, "I");
    assert_str_equal(t[0].content, "q1");
    assert_str_equal(t[1].content, "a1");
    assert_str_equal(t[2].role, "assistant");
    assert_str_equal(t[2].content, "a1");
    assert_str_equal(t[3].content, "q2");
    assert_true(r.store);
    // Another tenant's ids are unknown to it.
    ResponsesRequest other;
    assert_false(responses_request_parse(R"({"model":"m","previous_response_id":"resp_0123456789abcdef01234567",)"
                                         R"("input":"x"})",
                                         &store, other, e, "0123456789abcdef0123456789abcdef"));
    assert_str_equal(e.code, "previous_response_not_found");
    assert_false(responses_request_parse(R"({"model":"m","input":[{"type":"item_reference",)"
                                         R"("id":"msg_aaaaaaaaaaaaaaaaaaaaaaaa"}]})",
                                         &store, other, e, "0123456789abcdef0123456789abcdef"));
    assert_str_equal(e.code, "item_not_found");
}

static void empty_string_input_is_refused(void **) {
    ApiError e = fails(R"({"model":"m","input":""})");
    assert_str_equal(e.param, "input");
    assert_string_equal(e.code, "invalid_value");
}

static void bad_text_is_refused_naming_the_field(void **) {
    ApiError e = fails("{\"model\":\"m\",\"input\":\"x\",\"instructions\":\"\xff\"}");
    assert_str_equal(e.param, "instructions");
    assert_string_equal(e.code, "invalid_value");
    e = fails(
        "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"\xc0\xaf\"}]}]"
        "}");
    assert_str_equal(e.param, "input[0].content[0].text");
    e = fails(R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"a\u0000b"}]})");
    assert_str_equal(e.param, "input[0].output");
    assert_string_equal(e.code, "invalid_value");
}

static void nul_in_ids_is_refused_naming_them(void **) {
    assert_str_equal(fails(R"({"model":"m","input":"x",)"
                           R"("previous_response_id":"resp_0123456789abcdef01234567\u0000x"})")
                         .param,
                     "previous_response_id");
    assert_str_equal(fails(R"({"model":"m","input":[{"type":"function_call","call_id":"c\u0000","name":"f",)"
                           R"("arguments":"{}"}]})")
                         .param,
                     "input[0].call_id");
    assert_str_equal(fails(R"({"model":"m","input":[{"type":"item_reference",)"
                           R"("id":"msg_0123456789abcdef01234567\u0000"}]})")
                         .param,
                     "input[0].id");
    assert_str_equal(fails(R"({"model":"m","input":"x",)"
                           R"("reasoning":{"effort":"low\u0000"}})")
                         .param,
                     "reasoning.effort");
}

static void blank_input_items_are_refused(void **) {
    const char *bodies[] = {
        R"({"model":"m","input":[{"role":"user","content":""}]})",
        R"({"model":"m","input":[{"role":"user","content":[]}]})",
        R"({"model":"m","input":" "})",
    };
    for (const char *b : bodies) {
        ResponsesRequest r;
        ApiError e;
        assert_true(responses_request_parse(b, nullptr, r, e));
        assert_false(check_prompt_not_blank(prompt_assemble(r.conversation(), ""), "input", e));
        assert_string_equal(e.code, "invalid_value");
        assert_str_equal(e.param, "input");
    }
}

// 200,000 characters stored once, named ten times: over codex's limit
// (kCodexMaxInputChars) from the sixth reference on, refused then, before
// the rest are resolved, rendered or counted.
static void references_over_the_input_limit_fail_while_resolving(void **) {
    char dir[] = "/tmp/test-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ResponseStore store;
    std::string err;
    assert_true(store.open(std::string(dir) + "/r", 64 << 20, 3600, err));
    Turn big{"user", std::string(200000, 'x'), "", "", {}};
    assert_true(store.put("", "resp_0123456789abcdef01234567", {big}, {}, {{"msg_bbbbbbbbbbbbbbbbbbbbbbbb", big}}));
    std::string refs;
    for (int i = 0; i < 10; i++)
        refs += std::string(i ? "," : "") + R"({"type":"item_reference",)"
                                            R"("id":"msg_bbbbbbbbbbbbbbbbbbbbbbbb"})";
    ResponsesRequest r;
    ApiError e;
    assert_false(responses_request_parse(R"({"model":"m","input":[)" + refs + "]}", &store, r, e));
    assert_string_equal(e.code, "context_length_exceeded");
    assert_str_equal(e.param, "input");
    assert_true(r.input.size() <= 6);
    // Under the limit, every reference resolves (from the request's cache).
    ResponsesRequest ok;
    assert_true(responses_request_parse(R"({"model":"m",)"
                                        R"("input":[)" +
                                            refs.substr(0, refs.size() / 2) + "]}",
                                        &store, ok, e));
    assert_int_equal(ok.input.size(), 5);
    for (const auto &t : ok.input) assert_int_equal(t.content.size(), 200000);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_string_input_is_refused),
        cmocka_unit_test(bad_text_is_refused_naming_the_field),
        cmocka_unit_test(nul_in_ids_is_refused_naming_them),
        cmocka_unit_test(string_input_is_one_user_turn),
        cmocka_unit_test(over_long_input_to_an_unknown_model_is_404),
        cmocka_unit_test(instructions_come_first_as_system),
        cmocka_unit_test(message_items_with_and_without_type),
        cmocka_unit_test(unsupported_item_type_is_named),
        cmocka_unit_test(function_call_items_become_transcript_turns),
        cmocka_unit_test(function_call_without_call_id_fails),
        cmocka_unit_test(flat_tools_and_text_format_parse),
        cmocka_unit_test(bad_role_and_bad_input_fail),
        cmocka_unit_test(unknown_previous_response_and_reference_name_the_id),
        cmocka_unit_test(stored_history_and_references_resolve),
        cmocka_unit_test(blank_input_items_are_refused),
        cmocka_unit_test(references_over_the_input_limit_fail_while_resolving),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
