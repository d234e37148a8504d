#include "tests/unit/cmocka_cpp.h"

#include "executor/utf8_repair.h"

#define FFFD "\xEF\xBF\xBD"

static void valid_text_is_untouched(void **) {
    std::string s = "plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80, \xF4\x8F\xBF\xBF";
    assert_str_equal(utf8_repair(s), s);
}

static void stray_and_impossible_bytes_become_replacements(void **) {
    assert_str_equal(utf8_repair("a\xFF"
                                 "b\x80"
                                 "c\xFE"),
                     "a" FFFD "b" FFFD "c" FFFD);
}

static void overlong_forms_are_refused(void **) {
    assert_str_equal(utf8_repair("\xC0\xAF"), FFFD FFFD);
    assert_str_equal(utf8_repair("\xE0\x80\xAF"), FFFD FFFD FFFD);
}

static void surrogates_and_code_points_past_10ffff_are_refused(void **) {
    assert_str_equal(utf8_repair("\xED\xA0\x80"), FFFD FFFD FFFD);
    assert_str_equal(utf8_repair("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD);
}

static void a_truncated_sequence_is_one_replacement(void **) {
    assert_str_equal(utf8_repair("x\xE2\x82"), "x" FFFD);
    assert_str_equal(utf8_repair("\xE2\x82y"), FFFD "y");
    assert_str_equal(utf8_repair("\xF0\x9F\x98"), FFFD);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_is_untouched),
        cmocka_unit_test(stray_and_impossible_bytes_become_replacements),
        cmocka_unit_test(overlong_forms_are_refused),
        cmocka_unit_test(surrogates_and_code_points_past_10ffff_are_refused),
        cmocka_unit_test(a_truncated_sequence_is_one_replacement),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
