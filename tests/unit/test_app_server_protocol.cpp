// codex app-server's (0.169) messages as the backend builds and reads them.
// GCC 12 at -O3 warns falsely that assigning a literal to a std::string
// member overlaps (GCC bug 105329); the pragma must precede <string>.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include "executor/app_server_protocol.h"
#include "common/json_doc.h"
#include "cmocka_cpp.h"

namespace {

RpcMessage note(const char *method, const char *params) {
    RpcMessage m;
    std::string text = std::string("{\"method\":\"") + method + "\",\"params\":" + params + "}";
    m.doc.reset(cJSON_Parse(text.c_str()));
    m.method = method;
    m.body = cJSON_GetObjectItem(m.doc.get(), "params");
    return m;
}

std::string print(cJSON *j) {
    char *s = cJSON_PrintUnformatted(j);
    std::string out = s ? s : "";
    cJSON_free(s);
    cJSON_Delete(j);
    return out;
}

AppServerError error_of(const char *info) {
    std::string t = std::string("{\"message\":\"m\",\"codexErrorInfo\":") + info + "}";
    JsonDoc d(t);
    return app_server_error_parse(d.root);
}

}  // namespace

static void thread_start_is_ephemeral_read_only_and_never_asks(void **) {
    std::string s = print(app_server_thread_start_params("/w/job-1", "gpt-5.4"));
    assert_str_equal(s, R"({"ephemeral":true,"cwd":"/w/job-1","sandbox":"read-only","approvalPolicy":"never",)"
                        R"("model":"gpt-5.4"})");
}

static void thread_start_without_model_leaves_codex_default(void **) {
    std::string s = print(app_server_thread_start_params("/w", ""));
    assert_true(s.find("model") == std::string::npos);
}

static void turn_start_sends_images_before_text(void **) {
    TurnInput in;
    in.thread_id = "t1";
    in.cwd = "/w/j";
    in.model = "m";
    in.effort = "low";
    in.prompt = "hi \"there\"";
    in.images = {"/w/j/a.png", "/w/j/b.jpeg"};
    std::string err;
    std::string s = print(app_server_turn_start_params(in, err));
    assert_str_equal(s, R"({"threadId":"t1","input":[{"type":"localImage","path":"/w/j/a.png"},)"
                        R"({"type":"localImage","path":"/w/j/b.jpeg"},{"type":"text","text":"hi \"there\"",)"
                        R"("text_elements":[]}],)"
                        R"("cwd":"/w/j","model":"m","effort":"low"})");
}

static void turn_start_carries_the_output_schema_as_json(void **) {
    TurnInput in;
    in.thread_id = "t";
    in.prompt = "p";
    in.output_schema = R"({"type":"object"})";
    std::string err;
    std::string s = print(app_server_turn_start_params(in, err));
    assert_true(s.find(R"("outputSchema":{"type":"object"})") != std::string::npos);
}

static void turn_start_refuses_a_schema_that_is_not_an_object(void **) {
    TurnInput in;
    in.thread_id = "t";
    in.prompt = "p";
    in.output_schema = "[1";
    std::string err;
    assert_null(app_server_turn_start_params(in, err));
    assert_false(err.empty());
}

static void agent_delta_is_text(void **) {
    AppEvent e = app_server_event_parse(note("item/agentMessage/delta", R"({"threadId":"t","turnId":"u","itemId":"i",)"
                                                                        R"("delta":"Hel"})"));
    assert_int_equal(e.kind, AppEventKind::AgentDelta);
    assert_str_equal(e.text, "Hel");
    assert_str_equal(e.thread_id, "t");
    assert_str_equal(e.item_id, "i");
}

static void completed_agent_message_carries_its_text(void **) {
    AppEvent e = app_server_event_parse(note("item/completed",
                                             R"({"threadId":"t","turnId":"u","item":{"type":"agentMessage","id":"i",)"
                                             R"("text":"Hello"}})"));
    assert_int_equal(e.kind, AppEventKind::AgentMessageDone);
    assert_str_equal(e.text, "Hello");
}

static void other_completed_items_are_not_text(void **) {
    AppEvent e = app_server_event_parse(
        note("item/completed", R"({"threadId":"t","item":{"type":"commandExecution","id":"c","command":"ls"}})"));
    assert_int_equal(e.kind, AppEventKind::ItemDone);
    assert_str_equal(e.item_type, "commandExecution");
}

static void token_usage_is_the_thread_total(void **) {
    AppEvent e = app_server_event_parse(
        note("thread/tokenUsage/updated",
             R"({"threadId":"t","turnId":"u","tokenUsage":{"total":{"totalTokens":16,"inputTokens":11,)"
             R"("cachedInputTokens":2,)"
             R"("outputTokens":5,"reasoningOutputTokens":1},"last":{"inputTokens":1}}})"));
    assert_int_equal(e.kind, AppEventKind::TokenUsage);
    assert_int_equal(e.usage.input_tokens, 11);
    assert_int_equal(e.usage.cached_input_tokens, 2);
    assert_int_equal(e.usage.output_tokens, 5);
    assert_int_equal(e.usage.reasoning_tokens, 1);
}

static void negative_or_huge_counts_are_none(void **) {
    AppEvent e = app_server_event_parse(
        note("thread/tokenUsage/updated", R"({"tokenUsage":{"total":{"inputTokens":-3,"outputTokens":1e300}}})"));
    assert_int_equal(e.usage.input_tokens, 0);
    assert_int_equal(e.usage.output_tokens, 0);
}

static void turn_completed_carries_status_and_error(void **) {
    AppEvent e = app_server_event_parse(
        note("turn/completed", R"({"threadId":"t","turn":{"id":"u","status":"failed","error":{"message":"quota",)"
                               R"("codexErrorInfo":"usageLimitExceeded"}}})"));
    assert_int_equal(e.kind, AppEventKind::TurnCompleted);
    assert_str_equal(e.turn_id, "u");
    assert_str_equal(e.status, "failed");
    assert_int_equal(e.error.kind, AppServerErrorKind::UsageLimit);
    assert_str_equal(e.error.message, "quota");
}

static void turn_completed_without_error_has_none(void **) {
    AppEvent e = app_server_event_parse(note("turn/completed", R"({"turn":{"id":"u","status":"completed",)"
                                                               R"("error":null}})"));
    assert_int_equal(e.error.kind, AppServerErrorKind::None);
}

static void turn_started_names_the_turn(void **) {
    AppEvent e = app_server_event_parse(note("turn/started", R"({"threadId":"t","turn":{"id":"u7",)"
                                                             R"("status":"inProgress"}})"));
    assert_int_equal(e.kind, AppEventKind::TurnStarted);
    assert_str_equal(e.turn_id, "u7");
}

static void error_notification_says_whether_codex_retries(void **) {
    AppEvent e = app_server_event_parse(
        note("error", R"({"threadId":"t","turnId":"u","willRetry":true,"error":{"message":"reconnecting",)"
                      R"("codexErrorInfo":{"responseStreamDisconnected":{"httpStatusCode":502}}}})"));
    assert_int_equal(e.kind, AppEventKind::Error);
    assert_true(e.will_retry);
    assert_int_equal(e.error.kind, AppServerErrorKind::ProviderHttp);
    assert_int_equal(e.error.http_status, 502);
}

static void error_info_names_map_to_kinds(void **) {
    assert_int_equal(error_of("\"usageLimitExceeded\"").kind, AppServerErrorKind::UsageLimit);
    assert_int_equal(error_of("\"rateLimitExceeded\"").kind, AppServerErrorKind::UsageLimit);
    assert_int_equal(error_of("\"contextWindowExceeded\"").kind, AppServerErrorKind::ContextWindow);
    assert_int_equal(error_of("\"unauthorized\"").kind, AppServerErrorKind::Unauthorized);
    assert_int_equal(error_of("\"serverOverloaded\"").kind, AppServerErrorKind::Overloaded);
    assert_int_equal(error_of("\"sandboxError\"").kind, AppServerErrorKind::Other);
    assert_int_equal(error_of("null").kind, AppServerErrorKind::Other);
    assert_int_equal(error_of("{\"someFutureThing\":{}}").kind, AppServerErrorKind::Other);
}

static void http_failure_carries_its_status(void **) {
    AppServerError e = error_of(R"({"httpConnectionFailed":{"httpStatusCode":401}})");
    assert_int_equal(e.kind, AppServerErrorKind::ProviderHttp);
    assert_int_equal(e.http_status, 401);
    assert_int_equal(error_of(R"({"httpConnectionFailed":{"httpStatusCode":70000}})").http_status, 0);
    assert_int_equal(error_of(R"({"httpConnectionFailed":{"httpStatusCode":null}})").http_status, 0);
}

static void full_rate_limit_window_gives_its_reset(void **) {
    AppEvent e = app_server_event_parse(
        note("account/rateLimits/updated",
             R"({"rateLimits":{"primary":{"usedPercent":100,"resetsAt":1800000000},"secondary":{"usedPercent":40,)"
             R"("resetsAt":1900000000}}})"));
    assert_int_equal(e.kind, AppEventKind::RateLimits);
    assert_int_equal(e.rate_limit_resets_at, 1800000000);
}

static void rate_limits_become_usage_windows(void **) {
    AppEvent e = app_server_event_parse(note(
        "account/rateLimits/updated",
        R"({"rateLimits":{"limitId":"codex","limitName":null,"primary":{"usedPercent":42,"windowDurationMins":300,)"
        R"("resetsAt":1800000000},"secondary":null}})"));
    assert_int_equal(e.windows.windows.size(), 1);
    const ipc::UsageWindow &w = e.windows.windows[0];
    assert_str_equal(w.limit_id, "codex");
    assert_str_equal(w.window, "primary");
    assert_true(w.used_percent == 42);
    assert_int_equal(w.window_minutes, 300);
    assert_int_equal(w.resets_at, 1800000000);
}

static void rate_limits_read_result_becomes_usage_windows(void **) {
    JsonDoc d(
        R"({"rateLimits":{"limitId":"codex","limitName":null,"primary":{"usedPercent":100,)"
        R"("windowDurationMins":300,"resetsAt":1800000000},"secondary":{"usedPercent":7.5,"windowDurationMins":10080,)"
        R"("resetsAt":1900000000},"credits":null,"planType":"plus"},)"
        R"("rateLimitsByLimitId":{"codex":{"limitId":"codex"}}})");
    AppEvent e = app_server_rate_limits_parse(d.root);
    assert_int_equal(e.kind, AppEventKind::RateLimits);
    assert_int_equal(e.rate_limit_resets_at, 1800000000);
    assert_int_equal(e.windows.windows.size(), 2);
    assert_str_equal(e.windows.windows[1].window, "secondary");
    assert_true(e.windows.windows[1].used_percent == 7.5);
    assert_int_equal(e.windows.windows[1].window_minutes, 10080);
    JsonDoc odd(R"([{"rateLimits":1}])");
    assert_int_equal(app_server_rate_limits_parse(odd.root).windows.windows.size(), 0);
    assert_int_equal(app_server_rate_limits_parse(nullptr).windows.windows.size(), 0);
}

static void params_of_any_shape_are_other(void **) {
    assert_int_equal(app_server_event_parse(note("turn/completed", "[1]")).kind, AppEventKind::Other);
    AppEvent e = app_server_event_parse(note("item/completed", R"({"item":7})"));
    assert_int_equal(e.kind, AppEventKind::ItemDone);
    e = app_server_event_parse(note("turn/completed", R"({"turn":{"id":5,"status":[],"error":"x"}})"));
    assert_int_equal(e.kind, AppEventKind::TurnCompleted);
    assert_str_equal(e.status, "");
}

static ipc::DoneMsg done_for(const char *info, uint64_t resets_at = 0) {
    ipc::DoneMsg d;
    app_server_error_to_done(error_of(info), resets_at, 1000, d);
    return d;
}

static void usage_limit_is_rate_limited_with_retry_after(void **) {
    ipc::DoneMsg d = done_for("\"usageLimitExceeded\"", 1090);
    assert_int_equal(d.outcome, ipc::Outcome::RateLimited);
    assert_int_equal(d.retry_after_s, 90);
    assert_int_equal(done_for("\"usageLimitExceeded\"", 0).retry_after_s, 0);    // unknown
    assert_int_equal(done_for("\"usageLimitExceeded\"", 900).retry_after_s, 0);  // already past
}

static void unauthorized_and_context_window_have_their_outcomes(void **) {
    assert_int_equal(done_for("\"unauthorized\"").outcome, ipc::Outcome::Unauthorized);
    assert_int_equal(done_for("\"contextWindowExceeded\"").outcome, ipc::Outcome::ContextWindowExceeded);
    assert_int_equal(done_for("\"internalServerError\"").outcome, ipc::Outcome::ModelFailed);
}

static void provider_http_failure_carries_the_status(void **) {
    ipc::DoneMsg d = done_for(R"({"responseStreamConnectionFailed":{"httpStatusCode":503}})");
    assert_int_equal(d.outcome, ipc::Outcome::ProviderFailed);
    assert_int_equal(d.provider_status, 503);
    assert_int_equal(done_for(R"({"httpConnectionFailed":{"httpStatusCode":)"
                              R"(401}})")
                         .outcome,
                     ipc::Outcome::Unauthorized);
    assert_int_equal(done_for(R"({"httpConnectionFailed":{"httpStatusCode":429}})").outcome, ipc::Outcome::RateLimited);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_start_is_ephemeral_read_only_and_never_asks),
        cmocka_unit_test(thread_start_without_model_leaves_codex_default),
        cmocka_unit_test(turn_start_sends_images_before_text),
        cmocka_unit_test(turn_start_carries_the_output_schema_as_json),
        cmocka_unit_test(turn_start_refuses_a_schema_that_is_not_an_object),
        cmocka_unit_test(agent_delta_is_text),
        cmocka_unit_test(completed_agent_message_carries_its_text),
        cmocka_unit_test(other_completed_items_are_not_text),
        cmocka_unit_test(token_usage_is_the_thread_total),
        cmocka_unit_test(negative_or_huge_counts_are_none),
        cmocka_unit_test(turn_completed_carries_status_and_error),
        cmocka_unit_test(turn_completed_without_error_has_none),
        cmocka_unit_test(turn_started_names_the_turn),
        cmocka_unit_test(error_notification_says_whether_codex_retries),
        cmocka_unit_test(error_info_names_map_to_kinds),
        cmocka_unit_test(http_failure_carries_its_status),
        cmocka_unit_test(full_rate_limit_window_gives_its_reset),
        cmocka_unit_test(rate_limits_become_usage_windows),
        cmocka_unit_test(rate_limits_read_result_becomes_usage_windows),
        cmocka_unit_test(params_of_any_shape_are_other),
        cmocka_unit_test(usage_limit_is_rate_limited_with_retry_after),
        cmocka_unit_test(unauthorized_and_context_window_have_their_outcomes),
        cmocka_unit_test(provider_http_failure_carries_the_status),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
