#include "common/ipc_messages.h"
#include "cmocka_cpp.h"

using namespace ipc;

static void ready_round_trips(void **) {
    ReadyMsg in{1234, "codex-exec"}, out;
    assert_true(decode(encode(in), out));
    assert_int_equal(out.pid, 1234);
    assert_str_equal(out.backend, "codex-exec");
}

static void job_round_trips_with_binary_prompt(void **) {
    JobMsg in, out;
    in.timeout_ms = 180000;
    in.model = "gpt-5.1-codex";
    in.reasoning_effort = "low";
    in.prompt = std::string("a\0b\xff", 4);
    assert_true(decode(encode(in), out));
    assert_int_equal(out.timeout_ms, 180000);
    assert_str_equal(out.model, "gpt-5.1-codex");
    assert_str_equal(out.reasoning_effort, "low");
    assert_true(out.prompt == in.prompt);
}

static void job_round_trips_schema_and_images(void **) {
    JobMsg in, out;
    in.output_schema = "{\"type\":\"object\"}";
    in.images = {{"png", std::string("\x89PNG\0", 5)}, {"jpeg", "j"}};
    assert_true(decode(encode(in), out));
    assert_str_equal(out.output_schema, in.output_schema);
    assert_int_equal(out.images.size(), 2);
    assert_true(out.images[0].bytes == in.images[0].bytes);
    assert_str_equal(out.images[1].extension, "jpeg");
    assert_int_equal(encoded_size(in), encode(in).size());
}

static void job_with_too_many_images_fails(void **) {
    JobMsg in, out;
    in.images.resize(kMaxJobImages + 1, ImageFile{"png", "x"});
    assert_false(decode(encode(in), out));
}

static void usage_round_trips(void **) {
    UsageMsg in{1ull << 40, 2, 3, 4}, out;
    assert_true(decode(encode(in), out));
    assert_true(out.input_tokens == 1ull << 40);
    assert_int_equal(out.reasoning_tokens, 4);
}

static void done_round_trips_negative_status(void **) {
    DoneMsg in, out;
    in.outcome = Outcome::Timeout;
    in.exit_status = -9;
    in.backend_ms = 77;
    in.detail = "killed";
    assert_true(decode(encode(in), out));
    assert_int_equal(out.outcome, Outcome::Timeout);
    assert_int_equal(out.exit_status, -9);
    assert_int_equal(out.backend_ms, 77);
    assert_str_equal(out.detail, "killed");
}

static void leftover_bytes_fail(void **) {
    TextMsg out;
    assert_false(decode(encode(TextMsg{"hi"}) + "x", out));
    assert_false(decode_empty("x"));
    assert_true(decode_empty(""));
}

static void short_payload_fails(void **) {
    std::string p = encode(JobMsg{10, "m", "high", "prompt", "{}", {{"png", "img"}}});
    JobMsg out;
    for (size_t n = 0; n < p.size(); n++) assert_false(decode(p.substr(0, n), out));
}

static void string_longer_than_payload_fails(void **) {
    std::string p = encode(TextMsg{"abc"});
    p[0] = 100;  // claims 100 bytes, has 3
    TextMsg out;
    assert_false(decode(p, out));
}

static void unknown_outcome_fails(void **) {
    std::string p = encode(DoneMsg{});
    p[0] = 42;
    DoneMsg out;
    assert_false(decode(p, out));
}

static void done_round_trips_provider_fields(void **) {
    DoneMsg in, out;
    in.outcome = Outcome::RateLimited;
    in.retry_after_s = 3600;
    in.provider_status = 429;
    assert_true(decode(encode(in), out));
    assert_int_equal(out.outcome, Outcome::RateLimited);
    assert_int_equal(out.retry_after_s, 3600);
    assert_int_equal(out.provider_status, 429);
}

static void every_outcome_has_a_name(void **) {
    for (int o = 0; o <= static_cast<int>(kLastOutcome); o++)
        assert_string_not_equal(outcome_name(static_cast<Outcome>(o)), "unknown");
    assert_string_equal(outcome_name(Outcome::ContextWindowExceeded), "context_window_exceeded");
}

static void outcome_past_the_last_fails(void **) {
    DoneMsg in, out;
    in.outcome = kLastOutcome;
    std::string p = encode(in);
    assert_true(decode(p, out));
    p[0] = static_cast<char>(static_cast<int>(kLastOutcome) + 1);
    assert_false(decode(p, out));
}

static UsageWindowsMsg two_windows() {
    UsageWindowsMsg m;
    m.windows = {{"codex", "Codex", "primary", 42.5, 300, 1790000000}, {"codex", "", "secondary", 3, 10080, 0}};
    return m;
}

static void usage_windows_round_trip(void **) {
    UsageWindowsMsg in = two_windows(), out;
    assert_true(decode(encode(in), out));
    assert_int_equal(out.windows.size(), 2);
    assert_str_equal(out.windows[0].limit_id, "codex");
    assert_str_equal(out.windows[0].limit_name, "Codex");
    assert_str_equal(out.windows[1].window, "secondary");
    assert_true(out.windows[0].used_percent == 42.5);
    assert_int_equal(out.windows[1].window_minutes, 10080);
    assert_true(out.windows[0].resets_at == 1790000000ull);
}

static void usage_windows_empty_round_trips(void **) {
    UsageWindowsMsg out;
    assert_true(decode(encode(UsageWindowsMsg{}), out));
    assert_int_equal(out.windows.size(), 0);
}

static void usage_windows_too_many_fail(void **) {
    UsageWindowsMsg in, out;
    in.windows.resize(kMaxUsageWindows + 1);
    assert_false(decode(encode(in), out));
    in.windows.resize(kMaxUsageWindows);
    assert_true(decode(encode(in), out));
}

static void usage_window_long_name_fails(void **) {
    UsageWindowsMsg in = two_windows(), out;
    in.windows[1].limit_name = std::string(kMaxUsageWindowName + 1, 'x');
    assert_false(decode(encode(in), out));
}

static void usage_window_bad_percent_fails(void **) {
    UsageWindowsMsg out;
    for (double bad : {-1.0, 1e9, __builtin_nan(""), __builtin_inf()}) {
        UsageWindowsMsg in = two_windows();
        in.windows[0].used_percent = bad;
        assert_false(decode(encode(in), out));
    }
}

static void usage_windows_short_or_long_fail(void **) {
    std::string p = encode(two_windows());
    UsageWindowsMsg out;
    for (size_t n = 0; n < p.size(); n++) assert_false(decode(p.substr(0, n), out));
    assert_false(decode(p + "x", out));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ready_round_trips),
        cmocka_unit_test(job_round_trips_with_binary_prompt),
        cmocka_unit_test(job_round_trips_schema_and_images),
        cmocka_unit_test(job_with_too_many_images_fails),
        cmocka_unit_test(usage_round_trips),
        cmocka_unit_test(done_round_trips_negative_status),
        cmocka_unit_test(leftover_bytes_fail),
        cmocka_unit_test(short_payload_fails),
        cmocka_unit_test(string_longer_than_payload_fails),
        cmocka_unit_test(unknown_outcome_fails),
        cmocka_unit_test(done_round_trips_provider_fields),
        cmocka_unit_test(every_outcome_has_a_name),
        cmocka_unit_test(outcome_past_the_last_fails),
        cmocka_unit_test(usage_windows_round_trip),
        cmocka_unit_test(usage_windows_empty_round_trips),
        cmocka_unit_test(usage_windows_too_many_fail),
        cmocka_unit_test(usage_window_long_name_fails),
        cmocka_unit_test(usage_window_bad_percent_fails),
        cmocka_unit_test(usage_windows_short_or_long_fail),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
