#include "supervisor/responses_api.h"
#include "cmocka_cpp.h"

static ApiError fails(const char *body) {
    ResponsesRequest r;
    ApiError e;
    assert_false(responses_request_parse(body, r, e));
    assert_int_equal(e.status, 400);
    return e;
}

static void string_input_is_one_user_turn(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"gpt-5.2","input":"hello"})", r, e));
    assert_int_equal(r.turns.size(), 1);
    assert_str_equal(r.turns[0].role, "user");
    assert_str_equal(r.turns[0].content, "hello");
}

static void instructions_come_first_as_system(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"m","input":"hi","instructions":"Be brief."})", r, e));
    assert_int_equal(r.turns.size(), 2);
    assert_str_equal(r.turns[0].role, "system");
    assert_str_equal(r.turns[0].content, "Be brief.");
    assert_true(r.has_instructions);
}

static void message_items_with_and_without_type(void **) {
    ResponsesRequest r;
    ApiError e;
    assert_true(responses_request_parse(R"({"model":"m","stream":true,"input":[
        {"role":"developer","content":"d"},
        {"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"a"}]}]})", r, e));
    assert_true(r.stream);
    assert_int_equal(r.turns.size(), 3);
    assert_str_equal(r.turns[1].content, "q");
    assert_str_equal(r.turns[2].role, "assistant");
}

static void unsupported_item_type_is_named(void **) {
    ApiError e = fails(R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"x"}]})");
    assert_str_equal(e.param, "input[0].type");
}

static void bad_role_and_bad_input_fail(void **) {
    assert_str_equal(fails(R"({"model":"m","input":[{"role":"tool","content":"x"}]})").param, "input[0].role");
    assert_str_equal(fails(R"({"model":"m","input":5})").param, "input");
    assert_str_equal(fails(R"({"model":"m","input":[]})").param, "input");
    assert_str_equal(fails(R"({"model":"m","input":"x","instructions":3})").param, "instructions");
}

static void previous_response_id_is_refused_clearly(void **) {
    assert_str_equal(fails(R"({"model":"m","input":"x","previous_response_id":"resp_1"})").param, "previous_response_id");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(string_input_is_one_user_turn),
        cmocka_unit_test(instructions_come_first_as_system),
        cmocka_unit_test(message_items_with_and_without_type),
        cmocka_unit_test(unsupported_item_type_is_named),
        cmocka_unit_test(bad_role_and_bad_input_fail),
        cmocka_unit_test(previous_response_id_is_refused_clearly),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
