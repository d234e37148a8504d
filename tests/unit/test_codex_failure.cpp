// codex exec's turn.failed messages (codex 0.169, as printed against the
// scripted provider) and what they mean for the client.
#include <cstdlib>

#include "executor/codex_failure.h"
#include "cmocka_cpp.h"

using ipc::Outcome;

// 2026-09-22 12:00:00 UTC; the tests run with TZ=UTC.
constexpr time_t kNow = 1790078400;

static CodexFailure classify(const char *m) { return codex_failure_classify(m, kNow); }

static void usage_limit_with_a_reset_today_is_rate_limited_until_then(void **) {
    CodexFailure f = classify(
        "You\u2019ve hit your usage limit. Visit https://chatgpt.com/settings/usage to purchase more "
        "credits or try again at 2:13 PM.");
    assert_int_equal(f.outcome, Outcome::RateLimited);
    assert_int_equal(f.retry_after_s, 2 * 3600 + 13 * 60 + 60);  // a minute more: codex rounds down
    assert_int_equal(f.provider_status, 429);
}

static void usage_limit_with_a_dated_reset(void **) {
    CodexFailure f = classify("You\u2019ve hit your usage limit. Try again at Sep 23rd, 2026 9:05 AM.");
    assert_int_equal(f.outcome, Outcome::RateLimited);
    assert_int_equal(f.retry_after_s, 86400 - 3 * 3600 + 5 * 60 + 60);
}

static void usage_limit_without_a_reset_has_no_retry_after(void **) {
    CodexFailure f = classify("You've hit your usage limit. Try again later.");
    assert_int_equal(f.outcome, Outcome::RateLimited);
    assert_int_equal(f.retry_after_s, 0);
}

static void usage_limit_with_a_reset_in_the_past_has_no_retry_after(void **) {
    assert_int_equal(classify("You've hit your usage limit. Try again at 9:00 AM.").retry_after_s, 0);
    assert_int_equal(classify("You've hit your usage limit. Try again at 13:99 PM.").retry_after_s, 0);
    assert_int_equal(classify("You've hit your usage limit. Try again at Foo 1st, 2026 1:00 PM.").retry_after_s, 0);
}

static void quota_and_plan_and_rate_limits_are_rate_limited(void **) {
    assert_int_equal(classify("Quota exceeded. Check your plan and billing details.").outcome, Outcome::RateLimited);
    assert_int_equal(
        classify("To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.").outcome,
        Outcome::RateLimited);
    assert_int_equal(classify("rate limit exceeded: scripted failure").outcome, Outcome::RateLimited);
    CodexFailure f = classify("exceeded retry limit, last status: 429 Too Many Requests");
    assert_int_equal(f.outcome, Outcome::RateLimited);
    assert_int_equal(f.provider_status, 429);
}

static void refused_login_is_unauthorized(void **) {
    CodexFailure f = classify(
        "unexpected status 401 Unauthorized: Your authentication token has been invalidated. "
        "Please try signing in again., url: http://127.0.0.1:1/v1/responses");
    assert_int_equal(f.outcome, Outcome::Unauthorized);
    assert_int_equal(f.provider_status, 401);
    assert_int_equal(classify("Your access token could not be refreshed because your refresh token was already used. "
                              "Please log out and sign in again.")
                         .outcome,
                     Outcome::Unauthorized);
}

static void context_window_overflow_is_context_window_exceeded(void **) {
    assert_int_equal(
        classify("Codex ran out of room in the model's context window. Start a new thread or clear earlier "
                 "history before retrying.")
            .outcome,
        Outcome::ContextWindowExceeded);
}

static void provider_http_failures_carry_their_status(void **) {
    CodexFailure f =
        classify("unexpected status 503 Service Unavailable: overloaded, url: http://127.0.0.1:1/v1/responses");
    assert_int_equal(f.outcome, Outcome::ProviderFailed);
    assert_int_equal(f.provider_status, 503);
    f = classify("exceeded retry limit, last status: 502 Bad Gateway, request id: abc");
    assert_int_equal(f.outcome, Outcome::ProviderFailed);
    assert_int_equal(f.provider_status, 502);
    f = classify("We\u2019re currently experiencing high demand, which may cause temporary errors.");
    assert_int_equal(f.outcome, Outcome::ProviderFailed);
    assert_int_equal(f.provider_status, 500);
}

static void anything_else_stays_model_failed(void **) {
    for (const char *m : {"", "stream disconnected before completion: scripted failure", "unexpected status 5031 x",
                          "unexpected status abc", "unexpected status 200 OK", "unexpected status 42"}) {
        CodexFailure f = classify(m);
        assert_int_equal(f.outcome, Outcome::ModelFailed);
        assert_int_equal(f.provider_status, 0);
    }
}

int main() {
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_limit_with_a_reset_today_is_rate_limited_until_then),
        cmocka_unit_test(usage_limit_with_a_dated_reset),
        cmocka_unit_test(usage_limit_without_a_reset_has_no_retry_after),
        cmocka_unit_test(usage_limit_with_a_reset_in_the_past_has_no_retry_after),
        cmocka_unit_test(quota_and_plan_and_rate_limits_are_rate_limited),
        cmocka_unit_test(refused_login_is_unauthorized),
        cmocka_unit_test(context_window_overflow_is_context_window_exceeded),
        cmocka_unit_test(provider_http_failures_carry_their_status),
        cmocka_unit_test(anything_else_stays_model_failed),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
