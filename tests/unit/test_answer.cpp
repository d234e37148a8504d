#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/json_doc.h"
#include "supervisor/answer/answer_parse.h"
#include "supervisor/answer/answer_request.h"
#include "supervisor/answer/json_schema_check.h"
#include "cmocka_cpp.h"

static AnswerSpec weather_tools() {
    AnswerSpec s;
    s.tools = {{"get_weather", "Weather for a city",
                JsonValue::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")},
               {"now", "", {}}};
    return s;
}

static void tools_make_an_envelope_that_strict_mode_takes(void **) {
    AnswerPlan p = answer_plan(weather_tools());
    assert_true(p.shape == AnswerShape::Envelope);
    JsonDoc schema(p.output_schema);
    std::string why;
    assert_true(json_schema_strict_ok(schema.root, why));
    assert_non_null(strstr(p.instructions.c_str(), "get_weather"));
}

// The tools' schemas are shown as they were parsed, not re-read from text.
static void the_instructions_show_each_tools_parameters(void **) {
    AnswerPlan p = answer_plan(weather_tools());
    const char *params = strstr(p.instructions.c_str(), "\"parameters\":");
    assert_non_null(params);
    assert_non_null(strstr(params, "\"required\":"));
    assert_null(strstr(params + 1, "\"parameters\":"));  // "now" has none
}

static void a_tool_call_parses_with_checked_arguments(void **) {
    AnswerSpec s = weather_tools();
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, AnswerShape::Envelope,
                             R"({"content":null,"tool_calls":[{"name":"get_weather",)"
                             R"("arguments":"{\"city\":\"Paris\"}"},)"
                             R"({"name":"now","arguments":"{\"x\":1}"}]})",
                             a, problem));
    assert_int_equal(a.choices.size(), 1);
    assert_false(a.choices[0].has_content);
    assert_int_equal(a.choices[0].calls.size(), 2);
    assert_str_equal(a.choices[0].calls[0].arguments, R"({"city":"Paris"})");
    assert_str_equal(a.choices[0].calls[1].arguments, "{}");  // no parameters: "{}"
    assert_int_equal(a.choices[0].calls[0].call_id.compare(0, 5, "call_"), 0);
}

static void arguments_that_break_the_tool_schema_are_a_problem(void **) {
    Answer a;
    std::string problem;
    assert_false(answer_parse(weather_tools(), AnswerShape::Envelope,
                              R"({"content":null,"tool_calls":[{"name":"get_weather",)"
                              R"("arguments":"{}"}]})",
                              a, problem));
    assert_non_null(strstr(problem.c_str(), "missing required property 'city'"));
    assert_false(answer_parse(weather_tools(), AnswerShape::Envelope,
                              R"({"content":null,"tool_calls":[{"name":"get_weather",)"
                              R"("arguments":"{city"}]})",
                              a, problem));
    assert_false(answer_parse(weather_tools(), AnswerShape::Envelope,
                              R"({"content":null,"tool_calls":[{"name":"rm_rf","arguments":"{}"}]})", a, problem));
    assert_false(answer_parse(weather_tools(), AnswerShape::Envelope, "not json", a, problem));
}

static void required_tool_choice_wants_a_call(void **) {
    AnswerSpec s = weather_tools();
    s.tool_choice = ToolChoice::Required;
    Answer a;
    std::string problem;
    assert_false(answer_parse(s, AnswerShape::Envelope, R"({"content":"hi","tool_calls":[]})", a, problem));
}

static void one_call_when_parallel_calls_are_off(void **) {
    AnswerSpec s = weather_tools();
    s.parallel_tool_calls = false;
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, AnswerShape::Envelope,
                             R"({"content":"","tool_calls":[{"name":"now","arguments":"{}"},{"name":"now",)"
                             R"("arguments":"{}"}]})",
                             a, problem));
    assert_int_equal(a.choices[0].calls.size(), 1);
}

static void n_choices_come_from_one_reply(void **) {
    AnswerSpec s;
    s.n = 3;
    AnswerPlan p = answer_plan(s);
    assert_true(p.shape == AnswerShape::Envelope);
    assert_non_null(strstr(p.output_schema.c_str(), R"("minItems":3)"));
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, p.shape,
                             R"({"choices":[{"content":"a"},{"content":"b"},)"
                             R"({"content":"c"}]})",
                             a, problem));
    assert_int_equal(a.choices.size(), 3);
    assert_str_equal(a.choices[2].content, "c");
    assert_false(answer_parse(s, p.shape, R"({"choices":[{"content":"a"}]})", a, problem));
}

static void a_strict_schema_is_the_output_schema(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonSchema;
    s.schema = JsonValue::parse(
        R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false})");
    AnswerPlan p = answer_plan(s);
    assert_true(p.shape == AnswerShape::DirectJson);
    assert_str_equal(p.output_schema, s.schema.text());
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, p.shape, "```json\n{\"a\":\"x\"}\n```", a, problem));
    assert_str_equal(a.choices[0].content, R"({"a":"x"})");
    assert_false(answer_parse(s, p.shape, R"({"a":1})", a, problem));
}

static void a_loose_schema_is_checked_by_the_proxy(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonSchema;
    s.schema = JsonValue::parse(
        R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},"required":["a"]})");
    AnswerPlan p = answer_plan(s);
    assert_true(p.shape == AnswerShape::JsonText);
    assert_true(p.output_schema.empty());
    assert_non_null(strstr(p.instructions.c_str(), "\"b\""));
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, p.shape, R"({"a":"x"})", a, problem));
    assert_false(answer_parse(s, p.shape, R"({"b":2})", a, problem));
}

static void json_object_wants_an_object(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonObject;
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, answer_plan(s).shape, R"( {"k":[1]} )", a, problem));
    assert_false(answer_parse(s, answer_plan(s).shape, "[1]", a, problem));
}

// Concatenation by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on
// "literal" + std::string.
static std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out.append(p);
    return out;
}

// A request body read by answer_request_parse; err.code is null when it parses.
static bool parse(const std::string &body, ApiFlavor api, AnswerSpec &spec, ApiError &err) {
    JsonDoc root(body);
    assert_non_null(root.root);
    return answer_request_parse(root.root, api, spec, err);
}

static std::string tool(ApiFlavor api, const std::string &name, const std::string &params, bool strict = false) {
    std::string fn = cat({R"("name":")", name, R"(","parameters":)", params, strict ? R"(,"strict":true)" : ""});
    return api == ApiFlavor::Chat ? cat({R"({"type":"function","function":{)", fn, "}}"})
                                  : cat({R"({"type":"function",)", fn, "}"});
}

static std::string format(ApiFlavor api, const std::string &schema, const char *strict) {
    std::string inner = cat({R"("name":"s","schema":)", schema, strict ? R"(,"strict":)" : "", strict ? strict : ""});
    return api == ApiFlavor::Chat ? cat({R"("response_format":{"type":"json_schema","json_schema":{)", inner, "}}"})
                                  : cat({R"("text":{"format":{"type":"json_schema",)", inner, "}}"});
}

static const char *schema_param(ApiFlavor api) {
    return api == ApiFlavor::Chat ? "response_format.json_schema.schema" : "text.format.schema";
}

// Issue 8, item 1: these aborted the supervisor.
static void schema_keywords_of_the_wrong_type_are_a_400_on_both_apis(void **) {
    for (ApiFlavor api : {ApiFlavor::Chat, ApiFlavor::Responses}) {
        for (const char *params :
             {R"({"type":"object","properties":[1]})", R"({"$defs":[1]})", R"({"definitions":[1]})",
              R"({"definitions":{"a":{}},"$defs":[1]})", R"({"properties":{"a":{"items":{"properties":[1]}}}})"}) {
            AnswerSpec spec;
            ApiError err;
            assert_false(parse(cat({"{\"tools\":[", tool(api, "t", params), "]}"}), api, spec, err));
            assert_int_equal(err.status, 400);
            assert_string_equal(err.code, "invalid_schema");
            assert_str_equal(err.param,
                             api == ApiFlavor::Chat ? "tools[0].function.parameters" : "tools[0].parameters");
            AnswerSpec spec2;
            assert_false(parse(cat({"{", format(api, params, nullptr), "}"}), api, spec2, err));
            assert_string_equal(err.code, "invalid_schema");
            assert_str_equal(err.param, schema_param(api));
            assert_non_null(strstr(err.message.c_str(), "#/"));
        }
    }
}

static void strict_true_with_a_schema_strict_mode_refuses_is_invalid_json_schema(void **) {
    const char *all_of = R"({"type":"object","properties":{"a":{"allOf":[{"type":"string"}]}},"required":["a"],)"
                         R"("additionalProperties":false})";
    for (ApiFlavor api : {ApiFlavor::Chat, ApiFlavor::Responses}) {
        AnswerSpec spec;
        ApiError err;
        assert_false(parse(cat({"{", format(api, all_of, "true"), "}"}), api, spec, err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "invalid_json_schema");
        assert_str_equal(err.param, schema_param(api));
        assert_str_equal(err.message,
                         "Invalid schema for response_format 's': #/properties/a/allOf: 'allOf' is not permitted.");
        AnswerSpec loose;
        assert_true(parse(cat({"{", format(api, all_of, "false"), "}"}), api, loose, err));
        assert_true(answer_plan(loose).shape == AnswerShape::JsonText);  // checked by the proxy, not strict
        AnswerSpec tools;
        assert_false(parse(cat({"{\"tools\":[", tool(api, "t", all_of, true), "]}"}), api, tools, err));
        assert_string_equal(err.code, "invalid_function_parameters");
        assert_non_null(strstr(err.message.c_str(), "Invalid schema for function 't': #/properties/a/allOf"));
        AnswerSpec tools_loose;
        assert_true(parse(cat({"{\"tools\":[", tool(api, "t", all_of, false), "]}"}), api, tools_loose, err));
    }
}

// Issue 8, item 4a: the external $ref is found under "items" at once.
static void an_external_ref_under_items_is_a_400(void **) {
    const char *s = R"({"type":"object","properties":{"l":{"type":"array",)"
                    R"("items":{"$ref":"https://x.example/s.json"}}}})";
    AnswerSpec spec;
    ApiError err;
    assert_false(parse(cat({"{", format(ApiFlavor::Chat, s, nullptr), "}"}), ApiFlavor::Chat, spec, err));
    assert_string_equal(err.code, "invalid_schema");
    assert_non_null(strstr(err.message.c_str(), "#/properties/l/items/$ref"));
}

static void an_open_object_inside_items_takes_the_checked_path(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonSchema;
    s.schema = JsonValue::parse(R"({"type":"object","properties":{"l":{"type":"array","items":{"type":"object",)"
                                R"("properties":{}}}},"required":["l"],"additionalProperties":false})");
    assert_true(answer_plan(s).shape == AnswerShape::JsonText);
}

// Issue 8, item 2: 40,000 tools were compared pairwise on the event loop.
static void duplicate_tool_names_are_found_in_linear_steps(void **) {
    std::string body = "{\"tools\":[";
    const int n = 40000;
    for (int i = 0; i < n; i++) {
        if (i) body += ",";
        body += tool(ApiFlavor::Chat, cat({"t", std::to_string(i)}), "{}");
    }
    AnswerSpec spec;
    ApiError err;
    assert_true(parse(body + "]}", ApiFlavor::Chat, spec, err));
    assert_int_equal(spec.tools.size(), n);
    uint64_t steps = 0;
    assert_int_equal(first_duplicate_tool(spec.tools, steps), -1);
    assert_true(steps <= static_cast<uint64_t>(n));
    spec.tools.push_back(spec.tools[0]);
    steps = 0;
    assert_int_equal(first_duplicate_tool(spec.tools, steps), n);
    assert_true(steps <= static_cast<uint64_t>(n) + 1);
    AnswerSpec dup;
    assert_false(parse(body + "," + tool(ApiFlavor::Chat, "t7", "{}") + "]}", ApiFlavor::Chat, dup, err));
    assert_str_equal(err.param, "tools[40000]");
}

// README and the error agree with the check: '.' and ':' are accepted.
static void tool_names_may_hold_dots_and_colons_and_the_error_says_so(void **) {
    AnswerSpec ok;
    ApiError err;
    assert_true(parse(cat({"{\"tools\":[", tool(ApiFlavor::Chat, "ns.get:weather_1-x", "{}"), "]}"}), ApiFlavor::Chat,
                      ok, err));
    AnswerSpec bad;
    assert_false(parse(cat({"{\"tools\":[", tool(ApiFlavor::Responses, "no spaces", "{}"), "]}"}), ApiFlavor::Responses,
                       bad, err));
    assert_str_equal(err.message, "'tools[0].name' must be 1 to 64 letters, digits, '_', '-', '.' or ':'.");
    assert_str_equal(err.param, "tools[0].name");
}

// Many tools: the envelope drops the enum of their names rather than break
// strict mode's enum limits (the answer's check still refuses other names).
static void the_envelope_stays_strict_with_many_tools(void **) {
    AnswerSpec s;
    for (int i = 0; i < 1500; i++) s.tools.push_back({"tool_number_" + std::to_string(i), "", {}});
    AnswerPlan p = answer_plan(s);
    JsonDoc schema(p.output_schema);
    std::string why;
    assert_true(json_schema_strict_ok(schema.root, why));
    assert_null(strstr(p.output_schema.c_str(), "enum"));
    AnswerSpec few = weather_tools();
    assert_non_null(strstr(answer_plan(few).output_schema.c_str(), "enum"));
    Answer a;
    std::string problem;
    assert_false(answer_parse(s, AnswerShape::Envelope,
                              R"({"content":null,"tool_calls":[{"name":"rm",)"
                              R"("arguments":"{}"}]})",
                              a, problem));
    assert_true(answer_parse(s, AnswerShape::Envelope,
                             R"({"content":null,"tool_calls":[{"name":"tool_number_7",)"
                             R"("arguments":"{}"}]})",
                             a, problem));
}

// Found by fuzz.answer_message: "n" beyond int's range was cast before
// the range check (undefined; the sanitizer build aborts on it).
static void n_beyond_any_integer_type_is_a_400(void **) {
    for (const char *n : {"1e30", "-1e30", "1e999", "2147483648", "16.5", "0", "17"}) {
        AnswerSpec spec;
        ApiError err;
        assert_false(parse(cat({"{\"n\":", n, "}"}), ApiFlavor::Chat, spec, err));
        assert_int_equal(err.status, 400);
        assert_str_equal(err.param, "n");
    }
    AnswerSpec spec;
    ApiError err;
    assert_true(parse("{\"n\":16}", ApiFlavor::Chat, spec, err));
    assert_int_equal(spec.n, 16);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tools_make_an_envelope_that_strict_mode_takes),
        cmocka_unit_test(the_instructions_show_each_tools_parameters),
        cmocka_unit_test(a_tool_call_parses_with_checked_arguments),
        cmocka_unit_test(arguments_that_break_the_tool_schema_are_a_problem),
        cmocka_unit_test(required_tool_choice_wants_a_call),
        cmocka_unit_test(one_call_when_parallel_calls_are_off),
        cmocka_unit_test(n_choices_come_from_one_reply),
        cmocka_unit_test(a_strict_schema_is_the_output_schema),
        cmocka_unit_test(a_loose_schema_is_checked_by_the_proxy),
        cmocka_unit_test(json_object_wants_an_object),
        cmocka_unit_test(schema_keywords_of_the_wrong_type_are_a_400_on_both_apis),
        cmocka_unit_test(strict_true_with_a_schema_strict_mode_refuses_is_invalid_json_schema),
        cmocka_unit_test(an_external_ref_under_items_is_a_400),
        cmocka_unit_test(an_open_object_inside_items_takes_the_checked_path),
        cmocka_unit_test(duplicate_tool_names_are_found_in_linear_steps),
        cmocka_unit_test(the_envelope_stays_strict_with_many_tools),
        cmocka_unit_test(tool_names_may_hold_dots_and_colons_and_the_error_says_so),
        cmocka_unit_test(n_beyond_any_integer_type_is_a_400),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
