#include "supervisor/token_refresh_gate.h"
#include "cmocka_cpp.h"

#include <sodium.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

static std::string b64(const std::string &s) {
    std::string out(sodium_base64_encoded_len(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char *>(s.data()), s.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(strlen(out.c_str()));
    return out;
}

static std::string auth_json(const std::string &claims, const char *last_refresh) {
    std::string jwt = b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".sig";
    return "{\"tokens\":{\"access_token\":\"" + jwt + "\",\"refresh_token\":\"r\"},\"last_refresh\":\"" + last_refresh + "\"}";
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
        cmocka_unit_test(reads_expiry_and_last_refresh),
        cmocka_unit_test(api_key_login_is_not_a_token_login),
        cmocka_unit_test(unreadable_token_counts_as_expired),
        cmocka_unit_test(counts_the_renewals_it_sees),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
