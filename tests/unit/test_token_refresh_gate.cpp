#include "supervisor/token_refresh_gate.h"
#include "cmocka_cpp.h"

#include <sodium.h>

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

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_expiry_and_last_refresh),
        cmocka_unit_test(api_key_login_is_not_a_token_login),
        cmocka_unit_test(unreadable_token_counts_as_expired),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
