#include "supervisor/base/json_value.h"
#include "cmocka_cpp.h"

#include <cstdlib>

static void copies_share_one_parsed_tree(void **) {
    JsonValue a = JsonValue::parse(R"({"type":"object"})");
    JsonValue b = a;
    assert_non_null(a.get());
    assert_ptr_equal(a.get(), b.get());
}

static void text_is_compact(void **) {
    assert_str_equal(JsonValue::parse("{ \"a\" : [1, 2] }").text(), R"({"a":[1,2]})");
}

static void text_that_is_not_json_is_empty(void **) {
    JsonValue v = JsonValue::parse("{oops");
    assert_false(static_cast<bool>(v));
    assert_str_equal(v.text(), "");
}

// A tree built around a value prints it and, deleted, leaves it whole.
static void a_reference_prints_the_value_and_outlives_its_tree(void **) {
    JsonValue v = JsonValue::parse(R"([{"id":"call_1"},{"id":"call_2"}])");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "calls", v.reference());
    char *s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, R"({"calls":[{"id":"call_1"},{"id":"call_2"}]})");
    free(s);
    cJSON_Delete(o);
    assert_str_equal(v.text(), R"([{"id":"call_1"},{"id":"call_2"}])");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copies_share_one_parsed_tree),
        cmocka_unit_test(text_is_compact),
        cmocka_unit_test(text_that_is_not_json_is_empty),
        cmocka_unit_test(a_reference_prints_the_value_and_outlives_its_tree),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
