#include <cstring>
#include <string>

#include "common/json_doc.h"
#include "supervisor/answer_parse.h"
#include "supervisor/json_schema_check.h"
#include "cmocka_cpp.h"

static AnswerSpec weather_tools() {
    AnswerSpec s;
    s.tools = {{"get_weather", "Weather for a city",
                R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"},
               {"now", "", ""}};
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

static void a_tool_call_parses_with_checked_arguments(void **) {
    AnswerSpec s = weather_tools();
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, AnswerShape::Envelope,
                             R"({"content":null,"tool_calls":[{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"},)"
                             R"({"name":"now","arguments":"{\"x\":1}"}]})", a, problem));
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
                              R"({"content":null,"tool_calls":[{"name":"get_weather","arguments":"{}"}]})", a, problem));
    assert_non_null(strstr(problem.c_str(), "missing required property 'city'"));
    assert_false(answer_parse(weather_tools(), AnswerShape::Envelope,
                              R"({"content":null,"tool_calls":[{"name":"get_weather","arguments":"{city"}]})", a, problem));
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
                             R"({"content":"","tool_calls":[{"name":"now","arguments":"{}"},{"name":"now","arguments":"{}"}]})",
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
    assert_true(answer_parse(s, p.shape, R"({"choices":[{"content":"a"},{"content":"b"},{"content":"c"}]})", a, problem));
    assert_int_equal(a.choices.size(), 3);
    assert_str_equal(a.choices[2].content, "c");
    assert_false(answer_parse(s, p.shape, R"({"choices":[{"content":"a"}]})", a, problem));
}

static void a_strict_schema_is_the_output_schema(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonSchema;
    s.schema = R"({"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false})";
    AnswerPlan p = answer_plan(s);
    assert_true(p.shape == AnswerShape::DirectJson);
    assert_str_equal(p.output_schema, s.schema);
    Answer a;
    std::string problem;
    assert_true(answer_parse(s, p.shape, "```json\n{\"a\":\"x\"}\n```", a, problem));
    assert_str_equal(a.choices[0].content, R"({"a":"x"})");
    assert_false(answer_parse(s, p.shape, R"({"a":1})", a, problem));
}

static void a_loose_schema_is_checked_by_the_proxy(void **) {
    AnswerSpec s;
    s.format = FormatKind::JsonSchema;
    s.schema = R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},"required":["a"]})";
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

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tools_make_an_envelope_that_strict_mode_takes),
        cmocka_unit_test(a_tool_call_parses_with_checked_arguments),
        cmocka_unit_test(arguments_that_break_the_tool_schema_are_a_problem),
        cmocka_unit_test(required_tool_choice_wants_a_call),
        cmocka_unit_test(one_call_when_parallel_calls_are_off),
        cmocka_unit_test(n_choices_come_from_one_reply),
        cmocka_unit_test(a_strict_schema_is_the_output_schema),
        cmocka_unit_test(a_loose_schema_is_checked_by_the_proxy),
        cmocka_unit_test(json_object_wants_an_object),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
