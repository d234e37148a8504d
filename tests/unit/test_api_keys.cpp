#include "supervisor/auth/api_key_sources.h"
#include "supervisor/auth/api_keys.h"
#include "cmocka_cpp.h"

static int setup(void **) { return sodium_init() < 0 ? -1 : 0; }

static void correct_bearer_key_passes(void **) {
    ApiKeys k;
    k.add("sk-secret-123");
    assert_true(k.check_authorization("Bearer sk-secret-123"));
}

static void scheme_is_case_insensitive_and_spaces_trimmed(void **) {
    ApiKeys k;
    k.add("sk-secret-123");
    assert_true(k.check_authorization("bearer sk-secret-123"));
    assert_true(k.check_authorization("BEARER   sk-secret-123  "));
}

static void wrong_prefix_longer_and_empty_keys_fail(void **) {
    ApiKeys k;
    k.add("sk-secret-123");
    for (const char *v : {"Bearer sk-secret-12", "Bearer sk-secret-1234", "Bearer ", "Bearer", "", "sk-secret-123",
                          "Basic sk-secret-123", "Bearer SK-SECRET-123"})
        assert_false(k.check_authorization(v));
}

static void any_of_several_keys_passes(void **) {
    ApiKeys k;
    k.add("first-key");
    k.add("second-key");
    assert_true(k.check_key("first-key"));
    assert_true(k.check_key("second-key"));
    assert_false(k.check_key("third-key"));
}

static void no_keys_means_disabled(void **) {
    ApiKeys k;
    assert_false(k.enabled());
    assert_false(k.check_key(""));
    k.add("x");
    assert_true(k.enabled());
}

static void very_long_presented_key_is_just_wrong(void **) {
    ApiKeys k;
    k.add("short");
    assert_false(k.check_key(std::string(1 << 20, 's')));
}

static void key_file_skips_comments_and_blanks_and_trims(void **) {
    ApiKeys k;
    int n = 0;
    std::string err;
    assert_true(api_key_sources_parse("# c\n\n  key-one \r\n\tkey-two\nlast-no-newline", "F", k, n, err));
    assert_int_equal(n, 3);
    assert_true(k.check_key("key-one"));
    assert_true(k.check_key("key-two"));
    assert_true(k.check_key("last-no-newline"));
}

static void key_file_error_names_line_not_key(void **) {
    ApiKeys k;
    int n = 0;
    std::string err;
    assert_false(api_key_sources_parse("ok-key\nbad key here\n", "F", k, n, err));
    assert_str_equal(err, "F line 2: a key may not hold spaces or control characters");
    assert_false(api_key_sources_parse(std::string("a\x01b"), "F", k, n, err));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(correct_bearer_key_passes),
        cmocka_unit_test(scheme_is_case_insensitive_and_spaces_trimmed),
        cmocka_unit_test(wrong_prefix_longer_and_empty_keys_fail),
        cmocka_unit_test(any_of_several_keys_passes),
        cmocka_unit_test(no_keys_means_disabled),
        cmocka_unit_test(very_long_presented_key_is_just_wrong),
        cmocka_unit_test(key_file_skips_comments_and_blanks_and_trims),
        cmocka_unit_test(key_file_error_names_line_not_key),
    };
    return cmocka_run_group_tests(tests, setup, nullptr);
}
