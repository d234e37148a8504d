#include <cstring>
#include <string>

#include "common/json_doc.h"
#include "supervisor/json_schema_check.h"
#include "cmocka_cpp.h"

static bool valid(const char *schema, const char *value, std::string *problem = nullptr) {
    JsonDoc s(schema), v(value);
    assert_non_null(s.root);
    assert_non_null(v.root);
    std::string p;
    bool ok = json_schema_validate(s.root, s.root, v.root, p);
    if (problem) *problem = p;
    return ok;
}

static void types_and_required_are_checked(void **) {
    const char *s = R"({"type":"object","properties":{"city":{"type":"string"},"n":{"type":"integer"}},"required":["city"]})";
    assert_true(valid(s, R"({"city":"Paris","n":3})"));
    std::string p;
    assert_false(valid(s, R"({"n":3})", &p));
    assert_non_null(strstr(p.c_str(), "missing required property 'city'"));
    assert_false(valid(s, R"({"city":"Paris","n":3.5})", &p));
    assert_str_equal(p, "$.n: expected integer");
}

static void closed_objects_refuse_extra_properties(void **) {
    const char *s = R"({"type":"object","properties":{"a":{}},"additionalProperties":false})";
    assert_true(valid(s, R"({"a":1})"));
    assert_false(valid(s, R"({"a":1,"b":2})"));
}

static void refs_resolve_in_defs_and_definitions(void **) {
    assert_true(valid(R"({"$defs":{"t":{"type":"string"}},"type":"array","items":{"$ref":"#/$defs/t"}})", R"(["a","b"])"));
    assert_false(valid(R"({"definitions":{"t":{"type":"string"}},"type":"array","items":{"$ref":"#/definitions/t"}})", R"(["a",1])"));
}

static void a_ref_cycle_ends(void **) {
    std::string p;
    assert_false(valid(R"({"$ref":"#"})", R"(1)", &p));
    assert_non_null(strstr(p.c_str(), "deeper"));
}

static void an_exponential_schema_stops_early(void **) {
    // 40 levels of anyOf, each two references to the level below: a small
    // schema that 2^40 visits would check.
    std::string defs = R"("l0":{"type":"string"})";
    for (int i = 1; i <= 40; i++) {
        std::string below = "\"#/$defs/l" + std::to_string(i - 1) + "\"";
        defs += ",\"l" + std::to_string(i) + "\":{\"anyOf\":[{\"$ref\":" + below + "},{\"$ref\":" + below + "}]}";
    }
    std::string schema = R"({"$ref":"#/$defs/l40","$defs":{)" + defs + "}}";
    std::string p;
    assert_false(valid(schema.c_str(), "1", &p));
    assert_non_null(strstr(p.c_str(), "too complex"));
}

static void any_of_enum_and_nullable_types(void **) {
    const char *s = R"({"anyOf":[{"type":"string","enum":["a","b"]},{"type":"null"}]})";
    assert_true(valid(s, R"("a")"));
    assert_true(valid(s, "null"));
    assert_false(valid(s, R"("c")"));
    assert_true(valid(R"({"type":["string","null"]})", "null"));
}

static void array_bounds_are_checked(void **) {
    assert_false(valid(R"({"type":"array","minItems":2})", "[1]"));
    assert_false(valid(R"({"type":"array","maxItems":1})", "[1,2]"));
}

static void strict_ready_wants_closed_objects_with_all_properties_required(void **) {
    std::string why;
    JsonDoc ok(R"({"type":"object","properties":{"a":{"type":"object","properties":{},"required":[],"additionalProperties":false}},"required":["a"],"additionalProperties":false})");
    assert_true(json_schema_strict_ready(ok.root, why));
    JsonDoc optional(R"({"type":"object","properties":{"a":{},"b":{}},"required":["a"],"additionalProperties":false})");
    assert_false(json_schema_strict_ready(optional.root, why));
    assert_str_equal(why, "$: property 'b' is optional");
    JsonDoc open(R"({"type":"object","properties":{},"required":[]})");
    assert_false(json_schema_strict_ready(open.root, why));
    JsonDoc array(R"({"type":"array"})");
    assert_false(json_schema_strict_ready(array.root, why));
}

static void definitions_move_to_defs_with_their_refs(void **) {
    JsonDoc s(R"({"type":"object","properties":{"a":{"$ref":"#/definitions/x"}},"definitions":{"x":{"type":"string"}}})");
    json_schema_use_defs(s.root);
    char *out = cJSON_PrintUnformatted(s.root);
    assert_non_null(strstr(out, R"("$ref":"#/$defs/x")"));
    assert_null(strstr(out, "definitions"));
    free(out);
    std::string p;
    assert_true(json_schema_refs_ok(s.root, p));
}

static void refs_outside_the_schema_are_named(void **) {
    JsonDoc s(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}})");
    std::string p;
    assert_false(json_schema_refs_ok(s.root, p));
    assert_non_null(strstr(p.c_str(), "#/$defs/missing"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types_and_required_are_checked),
        cmocka_unit_test(closed_objects_refuse_extra_properties),
        cmocka_unit_test(refs_resolve_in_defs_and_definitions),
        cmocka_unit_test(a_ref_cycle_ends),
        cmocka_unit_test(an_exponential_schema_stops_early),
        cmocka_unit_test(any_of_enum_and_nullable_types),
        cmocka_unit_test(array_bounds_are_checked),
        cmocka_unit_test(strict_ready_wants_closed_objects_with_all_properties_required),
        cmocka_unit_test(definitions_move_to_defs_with_their_refs),
        cmocka_unit_test(refs_outside_the_schema_are_named),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
