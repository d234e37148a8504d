#include "supervisor/chat_completions.h"
#include "cmocka_cpp.h"

static ApiError fails(const char *body) {
    ChatRequest r;
    ApiError e;
    assert_false(chat_request_parse(body, r, e));
    assert_int_equal(e.status, 400);
    assert_string_equal(e.type, "invalid_request_error");
    return e;
}

static void plain_request_parses(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})", r, e));
    assert_str_equal(r.model, "gpt-4.1");
    assert_false(r.stream);
    assert_int_equal(r.turns.size(), 1);
    assert_str_equal(r.turns[0].content, "hi");
}

static void stream_and_include_usage_are_read(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})", r, e));
    assert_true(r.stream);
    assert_true(r.include_usage);
}

static void text_parts_are_joined(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})", r, e));
    assert_str_equal(r.turns[0].content, "a\nb");
}

static void every_role_and_assistant_first_are_accepted(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"m","messages":[
        {"role":"assistant","content":"Hi, how can I help?"},
        {"role":"system","content":"s"},{"role":"developer","content":"d"},
        {"role":"user","content":"u","name":"bob"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c1","content":"result"}]})", r, e));
    assert_int_equal(r.turns.size(), 6);
    assert_str_equal(r.turns[0].role, "assistant");
    assert_str_equal(r.turns[3].name, "bob");
    assert_false(r.turns[4].tool_calls_json.empty());
    assert_str_equal(r.turns[5].tool_call_id, "c1");
}

static void invalid_json_is_named(void **) { assert_string_equal(fails("{oops").code, "invalid_json"); }
static void body_must_be_an_object(void **) { assert_string_equal(fails("[1]").code, "invalid_json"); }

static void missing_model_names_model(void **) {
    assert_str_equal(fails(R"({"messages":[{"role":"user","content":"x"}]})").param, "model");
}

static void empty_messages_names_messages(void **) {
    assert_str_equal(fails(R"({"model":"m","messages":[]})").param, "messages");
    assert_str_equal(fails(R"({"model":"m"})").param, "messages");
}

static void unknown_role_names_its_index(void **) {
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"bot","content":"y"}]})").param,
                     "messages[1].role");
}

static void unsupported_part_names_its_path(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})");
    assert_str_equal(e.param, "messages[0].content[0].type");
    assert_string_equal(e.code, "unsupported_content_type");
}

static void content_of_wrong_type_fails(void **) {
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":5}]})").param, "messages[0].content");
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user"}]})").param, "messages[0].content");
}

static void n_other_than_one_fails(void **) {
    assert_str_equal(fails(R"({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]})").param, "n");
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"m","n":1,"messages":[{"role":"user","content":"x"}]})", r, e));
}

static void unknown_fields_are_ignored(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","temperature":0.2,"user":"u","metadata":{"a":"b"},"whatever":[1],"messages":[{"role":"user","content":"x"}]})", r, e));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_request_parses),
        cmocka_unit_test(stream_and_include_usage_are_read),
        cmocka_unit_test(text_parts_are_joined),
        cmocka_unit_test(every_role_and_assistant_first_are_accepted),
        cmocka_unit_test(invalid_json_is_named),
        cmocka_unit_test(body_must_be_an_object),
        cmocka_unit_test(missing_model_names_model),
        cmocka_unit_test(empty_messages_names_messages),
        cmocka_unit_test(unknown_role_names_its_index),
        cmocka_unit_test(unsupported_part_names_its_path),
        cmocka_unit_test(content_of_wrong_type_fails),
        cmocka_unit_test(n_other_than_one_fails),
        cmocka_unit_test(unknown_fields_are_ignored),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
