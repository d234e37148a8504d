#include "common/log.h"
#include "cmocka_cpp.h"

#include <cstring>

static void bearer_tokens_are_redacted(void **) {
    assert_str_equal(log_redact("Authorization: Bearer abcdefgh12345"), "Authorization: [REDACTED]");
}

static void api_key_shapes_are_redacted(void **) {
    assert_str_equal(log_redact("key sk-proj-abcdefghijkl end"), "key [REDACTED] end");
    assert_str_equal(log_redact("jwt eyJhbGciOiJIUzI1NiJ9.e30.x"), "jwt [REDACTED]");
}

static void ordinary_text_is_untouched(void **) {
    assert_str_equal(log_redact("task-123 desk-lamp sk- eyes"), "task-123 desk-lamp sk- eyes");
}

static void values_with_spaces_and_quotes_are_quoted(void **) {
    LogLine l("t", "info", "hello world");
    l.kv("a", "plain").kv("b", "two words").kv("c", "q\"uote").kv("d", "line\nbreak").kv("n", 42);
    const std::string &s = l.text();
    assert_non_null(strstr(s.c_str(), " msg=\"hello world\""));
    assert_non_null(strstr(s.c_str(), " a=plain"));
    assert_non_null(strstr(s.c_str(), " b=\"two words\""));
    assert_non_null(strstr(s.c_str(), " c=\"q\\\"uote\""));
    assert_non_null(strstr(s.c_str(), " d=\"line\\nbreak\""));
    assert_non_null(strstr(s.c_str(), " n=42"));
    assert_null(strchr(s.c_str(), '\n'));
}

static void values_are_redacted_in_lines(void **) {
    LogLine l("t", "info", "m");
    l.kv("auth", "Bearer sk-abcdefghijklmnop");
    assert_null(strstr(l.text().c_str(), "abcdefghijklmnop"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bearer_tokens_are_redacted),   cmocka_unit_test(api_key_shapes_are_redacted),
        cmocka_unit_test(ordinary_text_is_untouched),   cmocka_unit_test(values_with_spaces_and_quotes_are_quoted),
        cmocka_unit_test(values_are_redacted_in_lines),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
