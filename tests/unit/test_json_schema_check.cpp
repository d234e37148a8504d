#include <cstring>
#include <string>

#include "common/json_doc.h"
#include "supervisor/answer/json_schema_check.h"
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
    const char *s = R"({"type":"object","properties":{"city":{"type":"string"},"n":{"type":"integer"}},)"
                    R"("required":["city"]})";
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
    assert_true(valid(R"({"$defs":{"t":{"type":"string"}},"type":"array",)"
                      R"("items":{"$ref":"#/$defs/t"}})",
                      R"(["a","b"])"));
    assert_false(valid(R"({"definitions":{"t":{"type":"string"}},"type":"array",)"
                       R"("items":{"$ref":"#/definitions/t"}})",
                       R"(["a",1])"));
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

// The budget grows with the answer: a large answer is checked in full.
static void a_large_answer_is_not_too_complex(void **) {
    std::string value = "[";
    for (int i = 0; i < 100000; i++) value += i ? R"(,{"a":"x","b":[1,2]})" : R"({"a":"x","b":[1,2]})";
    value += "]";
    const char *schema = R"({"type":"array","items":{"type":"object","required":["a","b"],)"
                         R"("additionalProperties":false,)"
                         R"("properties":{"a":{"anyOf":[{"type":"null"},{"type":"string","maxLength":3}]},)"
                         R"("b":{"type":"array","items":{"type":"integer"}}}}})";
    std::string p;
    assert_true(valid(schema, value.c_str(), &p));
    value = value.substr(0, value.size() - 4) + R"("2"]}])";  // the last item's last number, as a string
    assert_false(valid(schema, value.c_str(), &p));
    assert_str_equal(p, "$[99999].b[1]: expected integer");
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

static void strict_wants_closed_objects_with_all_properties_required(void **) {
    std::string why;
    JsonDoc ok(R"({"type":"object","properties":{"a":{"type":"object","properties":{},"required":[],)"
               R"("additionalProperties":false}},"required":["a"],"additionalProperties":false})");
    assert_true(json_schema_strict_ok(ok.root, why));
    JsonDoc optional(R"({"type":"object","properties":{"a":{},"b":{}},"required":["a"],"additionalProperties":false})");
    assert_false(json_schema_strict_ok(optional.root, why));
    assert_str_equal(why,
                     "#: 'required' is required to be supplied and to be an array including every key in "
                     "properties. Missing 'b'");
    JsonDoc open(R"({"type":"object","properties":{},"required":[]})");
    assert_false(json_schema_strict_ok(open.root, why));
    JsonDoc array(R"({"type":"array"})");
    assert_false(json_schema_strict_ok(array.root, why));
}

// What every walk of a client's schema does with it, for any JSON: no
// crash, no leak (the sanitizer build checks), and a schema that is not
// well formed is refused.
static void walk_everything(const char *text) {
    JsonDoc s(text);
    assert_non_null(s.root);
    json_schema_use_defs(s.root);
    std::string p;
    json_schema_well_formed(s.root, p);
    json_schema_strict_ok(s.root, p);
    for (const char *value : {"{}", "[]", "1", "\"x\"", "null", R"({"a":[1,{"b":2}],"c":null})", "[[1],{}]"}) {
        JsonDoc v(value);
        json_schema_validate(s.root, s.root, v.root, p);
    }
}

static void every_keyword_of_every_json_type_is_walked_without_a_crash(void **) {
    const char *keywords[] = {"properties",
                              "$defs",
                              "definitions",
                              "items",
                              "anyOf",
                              "oneOf",
                              "allOf",
                              "prefixItems",
                              "additionalProperties",
                              "not",
                              "enum",
                              "const",
                              "required",
                              "type",
                              "$ref",
                              "minItems",
                              "maxLength",
                              "minimum",
                              "patternProperties",
                              "if"};
    const char *values[] = {
        "[1]", "[]",   "1",      "\"x\"",      "null",         "true",       "false",
        "{}",  "[{}]", "[null]", R"({"a":1})", R"({"a":[1]})", R"([["x"]])", R"({"a":{"type":[1]}})"};
    for (const char *k : keywords)
        for (const char *v : values) {
            std::string schema = std::string(R"({"type":"object",")") + k + "\":" + v + "}";
            walk_everything(schema.c_str());
            std::string nested = std::string(R"({"type":"object",)"
                                             R"("properties":{"a":{"items":{")") +
                                 k + "\":" + v + "}}}}";
            walk_everything(nested.c_str());
            std::string both = std::string(R"({"definitions":{"x":{}},"$defs":)") + v + ",\"" + k + "\":" + v + "}";
            walk_everything(both.c_str());
        }
    for (const char *root : {"1", "\"x\"", "null", "[1]", "[]", "true", "{}"}) walk_everything(root);
}

static void a_keyword_of_the_wrong_type_is_refused_naming_the_place(void **) {
    struct {
        const char *schema, *problem;
    } cases[] = {
        {R"({"type":"object",)"
         R"("properties":[1]})",
         "#/properties: 'properties' must be an object whose values are schemas"},
        {R"({"$defs":[1]})", "#/$defs: '$defs' must be an object"},
        {R"({"definitions":[1]})", "#/definitions: 'definitions' must be an object"},
        {R"({"definitions":{"a":{}},"$defs":[1]})", "#/$defs: '$defs' must be an object"},
        {R"({"properties":{"a":{"items":1}}})", "#/properties/a/items: 'items' must be a schema"},
        {R"({"properties":{"a":{"items":[1]}}})", "#/properties/a/items/0: a schema must be"},
        {R"({"anyOf":{}})", "#/anyOf: 'anyOf' must be a non-empty array of schemas"},
        {R"({"anyOf":[]})", "#/anyOf: 'anyOf' must be a non-empty array of schemas"},
        {R"({"anyOf":[null]})", "#/anyOf/0: a schema must be an object or a boolean"},
        {R"({"enum":"x"})", "#/enum: 'enum' must be an array"},
        {R"({"required":[1]})", "#/required: 'required' must be an array of strings"},
        {R"({"required":"a"})", "#/required: 'required' must be an array of strings"},
        {R"({"type":5})", "#/type: 'type' must be a JSON type name"},
        {R"({"type":["string",null]})", "#/type: 'type' must be a JSON type name"},
        {R"({"type":"strnig"})", "#/type: 'type' must be a JSON type name"},
        {R"({"$ref":5})", "#/$ref: '$ref' must be a string"},
        {R"({"$ref":"#/required","required":[]})", "#/$ref: $ref '#/required' is not a reference to a schema"},
        {R"({"minItems":"3"})", "#/minItems: 'minItems' must be a number"},
        {R"({"properties":{"a/b~":{"properties":null}}})", "#/properties/a~1b~0/properties: 'properties' must be"},
    };
    for (const auto &c : cases) {
        JsonDoc s(c.schema);
        json_schema_use_defs(s.root);
        std::string p;
        assert_false(json_schema_well_formed(s.root, p));
        if (p.find(c.problem) != 0) fail_msg("%s: got \"%s\", want \"%s\"", c.schema, p.c_str(), c.problem);
    }
    std::string p;
    JsonDoc ok(R"({"type":["object","null"],"properties":{"a":true,"b":{"items":[{"type":"string"}]}},"required":[],)"
               R"("$defs":{"x":false},"anyOf":[{"$ref":"#/$defs/x"},{"$ref":"#"}],"enum":[1,"a"],"minimum":0})");
    assert_true(json_schema_well_formed(ok.root, p));
}

static std::string strict_why(const std::string &schema) {
    JsonDoc s(schema.c_str());
    assert_non_null(s.root);
    std::string why;
    if (json_schema_strict_ok(s.root, why)) return "";
    return why;
}

// An object schema strict mode accepts, with one property "a" of schema a.
static std::string with_property(const std::string &a) {
    return R"({"type":"object","properties":{"a":)" + a + R"(},"required":["a"],"additionalProperties":false})";
}

static void strict_mode_takes_what_openai_documents(void **) {
    std::string ok = with_property(
        R"({"type":"array","minItems":1,"maxItems":3,"description":"d","title":"t","items":{"anyOf":[)"
        R"({"type":"string","pattern":"^a","format":"date-time","minLength":1,"maxLength":2,"enum":["a","b"]},)"
        R"({"type":["number","null"],"minimum":0,"maximum":9,"exclusiveMinimum":-1,"exclusiveMaximum":10,)"
        R"("multipleOf":1},)"
        R"({"$ref":"#/$defs/n"},{"const":"x"}]}})");
    ok.insert(1, R"("$schema":"http://json-schema.org/draft-07/schema#",)"
                 R"("$defs":{"n":)" +
                     with_property(R"({"$ref":"#/$defs/n"})") + "},");
    assert_str_equal(strict_why(ok), "");
}

static void strict_mode_refuses_keywords_naming_them_and_the_place(void **) {
    for (const char *k : {"allOf",
                          "not",
                          "if",
                          "then",
                          "else",
                          "dependentRequired",
                          "dependentSchemas",
                          "patternProperties",
                          "unevaluatedProperties",
                          "unevaluatedItems",
                          "uniqueItems",
                          "contains",
                          "minProperties",
                          "maxProperties",
                          "propertyNames",
                          "oneOf",
                          "prefixItems",
                          "default",
                          "additionalItems",
                          "examples",
                          "$id"}) {
        std::string why = strict_why(with_property(std::string(R"({"type":"string",")") + k + "\":{}}"));
        std::string want = std::string("#/properties/a/") + k + ": '" + k + "' is not permitted";
        assert_str_equal(why, want);
    }
    assert_str_equal(strict_why(with_property(R"({"type":"string","format":"phone"})")),
                     "#/properties/a: 'format' must be one of the supported formats");
    assert_str_equal(strict_why(with_property("{}")), "#/properties/a: schema must have a 'type' key");
    assert_str_equal(strict_why(with_property("true")),
                     "#/properties/a: a schema must be an object (boolean schemas are not permitted)");
    assert_str_equal(strict_why(R"({"anyOf":[{"type":"object"}],"type":"object"})"), "#: the root must not be 'anyOf'");
    assert_str_equal(strict_why(with_property(R"({"type":"object","properties":{},"required":["z"],)"
                                              R"("additionalProperties":false})")),
                     "#/properties/a: Extra required key 'z' supplied");
}

// Item 4a of issue 8: an open object inside "items" makes the schema one
// strict mode refuses, so it must take the checked path.
static void an_open_object_inside_items_is_not_strict(void **) {
    assert_str_equal(strict_why(with_property(R"({"type":"array","items":{"type":"object","properties":{}}})")),
                     "#/properties/a/items: 'additionalProperties' is required to be supplied and to be false");
    assert_str_equal(
        strict_why(with_property(R"({"type":"array","items":{"type":"object",)"
                                 R"("properties":{"x":{"type":"string"}},"additionalProperties":false}})")),
        "#/properties/a/items: 'required' is required to be supplied and to be an array including "
        "every key in properties. Missing 'x'");
}

static std::string nested_objects(int levels) {
    std::string s = R"({"type":"string"})";
    for (int i = 0; i < levels; i++) s = with_property(s);
    return s;
}

static std::string enum_of(int n, int chars) {
    std::string s = R"({"type":"string","enum":[)";
    for (int i = 0; i < n; i++) {
        std::string v = std::to_string(i);
        v.resize(static_cast<size_t>(chars), 'x');
        s += (i ? ",\"" : "\"") + v + "\"";
    }
    return s + "]}";
}

static std::string many_properties(int n, int name_chars) {
    std::string props, req;
    for (int i = 0; i < n; i++) {
        std::string name = std::to_string(i);
        name.resize(static_cast<size_t>(name_chars), 'x');
        props += (i ? ",\"" : "\"") + name + R"(":{"type":"null"})";
        req += (i ? ",\"" : "\"") + name + "\"";
    }
    return R"({"type":"object",)"
           R"("properties":{)" +
           props + R"(},"required":[)" + req + R"(],"additionalProperties":false})";
}

static void strict_mode_limits_are_openais(void **) {
    assert_str_equal(strict_why(nested_objects(10)), "");  // the root and 9 below it
    assert_str_equal(strict_why(nested_objects(11)).substr(0, 25), "#/properties/a/properties");
    assert_non_null(strstr(strict_why(nested_objects(11)).c_str(), "11 levels of nesting exceed the limit of 10"));
    assert_str_equal(strict_why(many_properties(5000, 5)), "");
    assert_non_null(strstr(strict_why(many_properties(5001, 5)).c_str(), "more than 5000 object properties"));
    assert_non_null(strstr(strict_why(many_properties(4000, 31)).c_str(), "more than 120000 characters"));
    assert_str_equal(strict_why(with_property(enum_of(1000, 3))), "");
    assert_non_null(strstr(strict_why(with_property(enum_of(1001, 3))).c_str(), "more than 1000 enum values"));
    assert_str_equal(strict_why(with_property(enum_of(251, 59))), "");  // 14,809 characters
    assert_non_null(strstr(strict_why(with_property(enum_of(251, 60))).c_str(), "more than 15000 characters"));
    assert_str_equal(strict_why(with_property(enum_of(250, 100))), "");  // 250 values: no such limit
}

static std::string nested_items(int levels) {
    std::string s;
    for (int i = 0; i < levels; i++) s += R"({"items":)";
    s += "{}";
    for (int i = 0; i < levels; i++) s += "}";
    return s;
}

static void deep_nesting_is_refused_not_recursed_into(void **) {
    std::string p;
    JsonDoc ok(nested_items(60).c_str());
    assert_true(json_schema_well_formed(ok.root, p));
    JsonDoc deep(nested_items(70).c_str());
    assert_false(json_schema_well_formed(deep.root, p));
    assert_non_null(strstr(p.c_str(), "deeper than 64 levels"));
    walk_everything(nested_items(900).c_str());  // cJSON's own nesting limit is 1000
}

static void an_older_tuple_items_array_is_checked_item_by_item(void **) {
    const char *s = R"({"type":"array","items":[{"type":"string"},{"type":"number"}]})";
    assert_true(valid(s, R"(["a",1,true])"));
    assert_false(valid(s, R"([1,"a"])"));
}

// A large object checked against a large schema costs work linear in
// their sizes: members are looked up through an index, not by scanning.
static void large_objects_are_checked_in_linear_work(void **) {
    const int n = 40000;
    std::string schema = R"({"type":"object","required":[)", value = "{";
    std::string props;
    for (int i = 0; i < n; i++) {
        std::string name = "\"p" + std::to_string(i) + "\"";
        schema += (i ? "," : "") + name;
        props += (i ? "," : "") + name + R"(:{"type":"integer"})";
        value += (i ? "," : "") + name + ":" + std::to_string(i);
    }
    schema += R"(],"properties":{)" + props + "},\"additionalProperties\":false}";
    value += "}";
    JsonDoc s(schema.c_str()), v(value.c_str());
    SchemaWork work;
    std::string p;
    assert_true(json_schema_validate(s.root, s.root, v.root, p, &work));
    assert_true(work.spent < 20ull * n);
    assert_true(json_schema_strict_ok(s.root, p) == false);  // 40,000 properties: over strict mode's 5000
    assert_non_null(strstr(p.c_str(), "5000 object properties"));
}

static void a_big_enum_of_big_objects_is_bounded_work(void **) {
    // Each enum value an object of 2000 members, compared with a value of
    // 2000 members: cJSON_Compare would cost 2000^2 per value.
    std::string obj = "{";
    for (int i = 0; i < 2000; i++) obj += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    obj += "}";
    std::string last = obj;
    last.replace(last.size() - 5, 4, "9998");  // differs in the last member only
    std::string schema = "{\"enum\":[" + last + "," + last + "," + last + "]}";
    JsonDoc s(schema.c_str()), v(obj.c_str());
    SchemaWork work;
    std::string p;
    assert_false(json_schema_validate(s.root, s.root, v.root, p, &work));
    assert_true(work.spent < 100000);
}

// Found by an attack: with x in both, "$defs winning" rebound
// "#/definitions/x" to $defs.x, so a string became a number.
static void a_name_in_both_definitions_and_defs_keeps_each_ref_its_own(void **) {
    JsonDoc s(R"({"type":"object","properties":{"a":{"$ref":"#/definitions/x"},"b":{"$ref":"#/$defs/x"}},)"
              R"("required":["a","b"],"additionalProperties":false,)"
              R"("definitions":{"x":{"type":"string"}},"$defs":{"x":{"type":"number"}}})");
    json_schema_use_defs(s.root);
    JsonDoc v(R"({"a":"hello","b":1})");
    std::string p;
    assert_true(json_schema_validate(s.root, s.root, v.root, p, nullptr));
    JsonDoc bad(R"({"a":1,"b":1})");
    assert_false(json_schema_validate(s.root, s.root, bad.root, p, nullptr));
}

static void definitions_move_to_defs_with_their_refs(void **) {
    JsonDoc s(R"({"type":"object","properties":{"a":{"$ref":"#/definitions/x"}},)"
              R"("definitions":{"x":{"type":"string"}}})");
    json_schema_use_defs(s.root);
    char *out = cJSON_PrintUnformatted(s.root);
    assert_non_null(strstr(out, R"("$ref":"#/$defs/x")"));
    assert_null(strstr(out, "definitions"));
    free(out);
    std::string p;
    assert_true(json_schema_well_formed(s.root, p));
}

static void refs_outside_the_schema_are_named(void **) {
    JsonDoc s(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}})");
    std::string p;
    assert_false(json_schema_well_formed(s.root, p));
    assert_non_null(strstr(p.c_str(), "#/$defs/missing"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types_and_required_are_checked),
        cmocka_unit_test(closed_objects_refuse_extra_properties),
        cmocka_unit_test(refs_resolve_in_defs_and_definitions),
        cmocka_unit_test(a_ref_cycle_ends),
        cmocka_unit_test(an_exponential_schema_stops_early),
        cmocka_unit_test(a_large_answer_is_not_too_complex),
        cmocka_unit_test(any_of_enum_and_nullable_types),
        cmocka_unit_test(array_bounds_are_checked),
        cmocka_unit_test(strict_wants_closed_objects_with_all_properties_required),
        cmocka_unit_test(strict_mode_takes_what_openai_documents),
        cmocka_unit_test(strict_mode_refuses_keywords_naming_them_and_the_place),
        cmocka_unit_test(an_open_object_inside_items_is_not_strict),
        cmocka_unit_test(strict_mode_limits_are_openais),
        cmocka_unit_test(every_keyword_of_every_json_type_is_walked_without_a_crash),
        cmocka_unit_test(a_keyword_of_the_wrong_type_is_refused_naming_the_place),
        cmocka_unit_test(deep_nesting_is_refused_not_recursed_into),
        cmocka_unit_test(an_older_tuple_items_array_is_checked_item_by_item),
        cmocka_unit_test(large_objects_are_checked_in_linear_work),
        cmocka_unit_test(a_big_enum_of_big_objects_is_bounded_work),
        cmocka_unit_test(definitions_move_to_defs_with_their_refs),
        cmocka_unit_test(a_name_in_both_definitions_and_defs_keeps_each_ref_its_own),
        cmocka_unit_test(refs_outside_the_schema_are_named),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
