#include "supervisor/codex/token_refresh_gate.h"
#include "cmocka_cpp.h"

#include <sodium.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static std::string b64(const std::string &s) {
    std::string out(sodium_base64_encoded_len(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char *>(s.data()), s.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(strlen(out.c_str()));
    return out;
}

static std::string auth_json(const std::string &claims, const char *last_refresh) {
    std::string jwt = b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".sig";
    return "{\"tokens\":{\"access_token\":\"" + jwt + "\",\"refresh_token\":\"r\"},\"last_refresh\":\"" + last_refresh +
           "\"}";
}

static void reads_expiry_and_last_refresh(void **) {
    time_t exp = 0, last = 0;
    assert_true(token_login_times(auth_json("{\"exp\":1795550000}", "2026-11-24T18:45:34.183851383Z"), exp, last));
    assert_int_equal(exp, 1795550000);
    assert_int_equal(last, 1795545934);
}

static void api_key_login_is_not_a_token_login(void **) {
    time_t exp = 0, last = 0;
    assert_false(token_login_times("{\"OPENAI_API_KEY\":\"sk-x\"}", exp, last));
    assert_false(token_login_times("not json", exp, last));
}

static void unreadable_token_counts_as_expired(void **) {
    time_t exp = 1, last = 1;
    assert_true(token_login_times("{\"tokens\":{\"access_token\":\"garbage\"},\"last_refresh\":\"x\"}", exp, last));
    assert_int_equal(exp, 0);
    assert_int_equal(last, 0);
}

// 2026-11-24T18:45:34Z
constexpr time_t kLastRefresh = 1795545934;
constexpr time_t kWeek = 7 * 24 * 3600;

// refresh_due(now) of a gate over an auth.json with these times.
static bool due(const std::string &auth, time_t now) {
    char dir[] = "/tmp/refresh-gate-XXXXXX";
    assert_non_null(mkdtemp(dir));
    std::string path = std::string(dir) + "/auth.json";
    FILE *f = fopen(path.c_str(), "w");
    assert_non_null(f);
    fputs(auth.c_str(), f);
    fclose(f);
    TokenRefreshGate gate(path);
    bool d = gate.refresh_due(now);
    unlink(path.c_str());
    rmdir(dir);
    return d;
}

static std::string login(time_t exp) {
    return auth_json("{\"exp\":" + std::to_string(exp) + "}", "2026-11-24T18:45:34Z");
}

// Due once the access token has less than 10 minutes left.
static void due_ten_minutes_before_expiry(void **) {
    time_t now = kLastRefresh + 3600;
    assert_false(due(login(now + 600), now));
    assert_true(due(login(now + 599), now));
    assert_true(due(login(now - 1), now));
}

// Due once the last refresh is more than a week old.
static void due_a_week_after_the_last_refresh(void **) {
    time_t far = kLastRefresh + 10 * kWeek;
    assert_false(due(login(far), kLastRefresh + kWeek));
    assert_true(due(login(far), kLastRefresh + kWeek + 1));
}

static void api_key_login_is_never_due(void **) {
    assert_false(due("{\"OPENAI_API_KEY\":\"sk-x\"}", kLastRefresh + 100 * kWeek));
}

static void no_auth_file_is_never_due(void **) {
    TokenRefreshGate gate("/nonexistent/auth.json");
    assert_false(gate.refresh_due(kLastRefresh));
}

// An exp no time_t holds is unreadable (so the login counts as expired),
// not a conversion past the type's range.
static void huge_expiry_counts_as_expired(void **) {
    time_t exp = 1, last = 1;
    assert_true(token_login_times(auth_json("{\"exp\":1e30}", "2026-11-24T18:45:34Z"), exp, last));
    assert_int_equal(exp, 0);
    assert_true(token_login_times(auth_json("{\"exp\":-1e300}", "2026-11-24T18:45:34Z"), exp, last));
    assert_int_equal(exp, 0);
}

static void write_file(const std::string &path, const std::string &text) {
    std::string tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    assert_non_null(f);
    fputs(text.c_str(), f);
    fclose(f);
    assert_int_equal(rename(tmp.c_str(), path.c_str()), 0);
}

static void counts_the_renewals_it_sees(void **) {
    char dir[] = "/tmp/gate-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    std::string path = std::string(dir) + "/auth.json";
    uint64_t refreshes = 0;
    TokenRefreshGate gate(path, &refreshes);
    write_file(path, auth_json("{\"exp\":4102444800}", "2026-11-20T10:00:00Z"));
    gate.refresh_due(1795545934);
    assert_int_equal(refreshes, 0);  // the first login seen is no renewal
    write_file(path, auth_json("{\"exp\":4102444801}", "2026-11-25T10:00:00Z"));
    gate.refresh_due(1795545934);
    assert_int_equal(refreshes, 1);
    write_file(path, auth_json("{\"exp\":4102444802}", "2026-11-25T10:00:00Z"));
    gate.refresh_due(1795545934);
    assert_int_equal(refreshes, 1);  // a new file with the same last_refresh is none
    unlink(path.c_str());
    rmdir(dir);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_expiry_and_last_refresh),      cmocka_unit_test(api_key_login_is_not_a_token_login),
        cmocka_unit_test(unreadable_token_counts_as_expired), cmocka_unit_test(due_ten_minutes_before_expiry),
        cmocka_unit_test(due_a_week_after_the_last_refresh),  cmocka_unit_test(api_key_login_is_never_due),
        cmocka_unit_test(no_auth_file_is_never_due),          cmocka_unit_test(huge_expiry_counts_as_expired),
        cmocka_unit_test(counts_the_renewals_it_sees),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
