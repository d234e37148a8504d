#include <cstring>
#include "supervisor/api/chat_completions.h"
#include "supervisor/api/request_common.h"
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

static ModelNames rejecting(const char *models) {
    ModelNames m;
    std::string why;
    assert_true(model_names_parse(models, "", "reject", m, why));
    return m;
}

static void known_model_is_resolved_while_parsing(void **) {
    ChatRequest r;
    ApiError e;
    ModelNames names = rejecting("gpt-5.1-codex");
    assert_true(
        chat_request_parse(R"({"model":"gpt-5.1-codex","messages":[{"role":"user","content":"hi"}]})", r, e, names));
    assert_str_equal(r.codex_model, "gpt-5.1-codex");
}

// Before any of the conversation is read: an unknown model is the 404
// whatever the conversation holds.
static void unknown_model_is_404_before_the_messages_are_read(void **) {
    ChatRequest r;
    ApiError e;
    ModelNames names = rejecting("gpt-5.1-codex");
    assert_false(chat_request_parse(R"({"model":"gpt-4o","messages":"not an array"})", r, e, names));
    assert_int_equal(e.status, 404);
    assert_string_equal(e.code, "model_not_found");
    assert_str_equal(r.model, "gpt-4o");
}

static void stream_and_include_usage_are_read(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user",)"
        R"("content":"x"}]})",
        r, e));
    assert_true(r.stream);
    assert_true(r.include_usage);
}

static void text_parts_are_joined(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text",)"
        R"("text":"b"}]}]})",
        r, e));
    assert_str_equal(r.turns[0].content, "a\nb");
}

static void every_role_and_assistant_first_are_accepted(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"m","messages":[
        {"role":"assistant","content":"Hi, how can I help?"},
        {"role":"system","content":"s"},{"role":"developer","content":"d"},
        {"role":"user","content":"u","name":"bob"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f",
        "arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c1","content":"result"}]})",
                                   r, e));
    assert_int_equal(r.turns.size(), 6);
    assert_str_equal(r.turns[0].role, "assistant");
    assert_str_equal(r.turns[3].name, "bob");
    assert_true(cJSON_IsArray(r.turns[4].tool_calls.get()));
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
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"bot",)"
                           R"("content":"y"}]})")
                         .param,
                     "messages[1].role");
}

static void unsupported_part_names_its_path(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio",)"
                       R"("input_audio":{}}]}]})");
    assert_str_equal(e.param, "messages[0].content[0].type");
    assert_string_equal(e.code, "unsupported_content_type");
}

static void content_of_wrong_type_fails(void **) {
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":5}]})").param, "messages[0].content");
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user"}]})").param, "messages[0].content");
}

static void n_out_of_range_fails(void **) {
    assert_str_equal(fails(R"({"model":"m","n":0,"messages":[{"role":"user","content":"x"}]})").param, "n");
    assert_str_equal(fails(R"({"model":"m","n":17,"messages":[{"role":"user","content":"x"}]})").param, "n");
    assert_str_equal(fails(R"({"model":"m","n":1.5,"messages":[{"role":"user","content":"x"}]})").param, "n");
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"m","n":5,"messages":[{"role":"user","content":"x"}]})", r, e));
    assert_int_equal(r.spec.n, 5);
}

static void image_data_url_becomes_an_image_file(void **) {
    ChatRequest r;
    ApiError e;
    // a 1x1 PNG's first bytes are enough for the type check
    assert_true(
        chat_request_parse(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},)"
                           R"({"type":"image_url",)"
                           R"("image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}}]}]})",
                           r, e));
    assert_int_equal(r.images.size(), 1);
    assert_str_equal(r.images[0].extension, "png");
    assert_str_equal(r.turns[0].content, "what is it?\n[Image #1]");
}

static void image_by_http_url_fails_naming_the_part(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url",)"
                       R"("image_url":{"url":"https://x/y.png"}}]}]})");
    assert_str_equal(e.param, "messages[0].content[0].image_url");
    assert_string_equal(e.code, "invalid_image");
}

static void image_that_is_not_an_image_fails(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url",)"
                       R"("image_url":{"url":"data:image/png;base64,aGVsbG8="}}]}]})");
    assert_string_equal(e.code, "invalid_image");
}

static void tools_and_tool_choice_parse(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","messages":[{"role":"user","content":"x"}],"parallel_tool_calls":false,)"
        R"("tool_choice":"required",)"
        R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})",
        r, e));
    assert_int_equal(r.spec.tools.size(), 1);
    assert_str_equal(r.spec.tools[0].name, "get_weather");
    assert_true(r.spec.tool_choice == ToolChoice::Required);
    assert_false(r.spec.parallel_tool_calls);
}

static void tool_choice_naming_an_unknown_tool_fails(void **) {
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                           R"("tool_choice":{"type":"function","function":{"name":"nope"}},)"
                           R"("tools":[{"type":"function","function":{"name":"f"}}]})")
                         .param,
                     "tool_choice");
    assert_str_equal(fails(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                           R"("tool_choice":"required"})")
                         .param,
                     "tool_choice");
}

static void non_function_tool_fails(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search"}]})");
    assert_str_equal(e.param, "tools[0].type");
    assert_string_equal(e.code, "unsupported_tool");
}

static void schema_with_a_remote_ref_fails_naming_it(void **) {
    ApiError e = fails(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                       R"("response_format":{"type":"json_schema",)"
                       R"("json_schema":{"name":"s","schema":{"type":"object",)"
                       R"("properties":{"a":{"$ref":"https://x/s.json"}}}}}})");
    assert_str_equal(e.param, "response_format.json_schema.schema");
    assert_non_null(strstr(e.message.c_str(), "https://x/s.json"));
}

static void unknown_fields_are_ignored(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(
        R"({"model":"m","temperature":0.2,"user":"u","metadata":{"a":"b"},"whatever":[1],"messages":[{"role":"user",)"
        R"("content":"x"}]})",
        r, e));
}

static ApiError fails_with(const std::string &body, const char *param) {
    ChatRequest r;
    ApiError e;
    assert_false(chat_request_parse(body, r, e));
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, "invalid_value");
    assert_str_equal(e.param, param);
    return e;
}

static void invalid_utf8_content_is_refused_naming_it(void **) {
    ApiError e = fails_with(
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
        "{\"role\":\"user\",\"content\":\"b\xff\xfe\"}]}",
        "messages[1].content");
    assert_non_null(strstr(e.message.c_str(), "UTF-8"));
}

static void invalid_utf8_in_a_content_part_is_refused_naming_it(void **) {
    fails_with(
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\xc3\"}]}]}",
        "messages[0].content[0].text");
}

static void overlong_and_surrogate_utf8_are_refused(void **) {
    fails_with("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xe0\x80\xaf\"}]}",
               "messages[0].content");
    fails_with("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xed\xa0\x80\"}]}",
               "messages[0].content");
    fails_with("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xf4\x90\x80\x80\"}]}",
               "messages[0].content");
}

static void invalid_utf8_in_a_key_names_its_object(void **) {
    fails_with("{\"model\":\"m\",\"metadata\":{\"\xff\":\"x\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
               "metadata");
}

static void valid_multibyte_text_is_accepted(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(
        chat_request_parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                           "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \\u00e9 \\ud83d\\ude00\"}]}",
                           r, e));
    assert_str_equal(r.turns[0].content, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc3\xa9 \xf0\x9f\x98\x80");
}

// cJSON refuses a lone UTF-16 surrogate escape: the body is not JSON.
static void lone_surrogate_escape_is_invalid_json(void **) {
    assert_string_equal(fails(R"({"model":"m","messages":[{"role":"user",)"
                              R"("content":"a\ud800b"}]})")
                            .code,
                        "invalid_json");
    assert_string_equal(fails(R"({"model":"m","messages":[{"role":"user",)"
                              R"("content":"a\udc00"}]})")
                            .code,
                        "invalid_json");
}

// "gpt\u0000-5.5" would otherwise run model "gpt".
static void nul_in_model_is_refused(void **) {
    ApiError e = fails_with(R"({"model":"gpt\u0000-5.5","messages":[{"role":"user","content":"x"}]})", "model");
    assert_non_null(strstr(e.message.c_str(), "NUL"));
}

static void nul_in_names_is_refused_naming_them(void **) {
    fails_with(R"({"model":"m","messages":[{"role":"user\u0000","content":"x"}]})", "messages[0].role");
    fails_with(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)"
               R"("function":{"name":"f\u0000g"}}]})",
               "tools[0].function.name");
    fails_with(R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function",)"
               R"("function":{"name":"f\u0000"}}})",
               "tool_choice.function.name");
    fails_with(R"({"model":"m","reasoning_effort":"low\u0000x","messages":[{"role":"user","content":"x"}]})",
               "reasoning_effort");
    fails_with(R"({"model":"m","messages":[{"role":"tool","tool_call_id":"c\u0000","content":"x"}]})",
               "messages[0].tool_call_id");
}

// Text after a NUL would be lost: refused rather than cut.
static void nul_in_free_text_is_refused(void **) {
    fails_with(R"({"model":"m","messages":[{"role":"user","content":"before\u0000after"}]})", "messages[0].content");
    fails_with(std::string("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\0zero\"}]}", 63),
               "messages[0].content");
}

static void escaped_backslash_before_u0000_is_no_nul(void **) {
    ChatRequest r;
    ApiError e;
    assert_true(chat_request_parse(R"({"model":"m","messages":[{"role":"user","content":"a\\u0000b"}]})", r, e));
    assert_str_equal(r.turns[0].content, "a\\u0000b");
}

// What codex would be handed is blank: refused naming messages, as codex
// refuses (exit 1) an empty prompt.
static bool prompt_blank(const char *body, ApiError &e) {
    ChatRequest r;
    assert_true(chat_request_parse(body, r, e));
    return !check_prompt_not_blank(prompt_from_turns(r.turns), "messages", e);
}

static void empty_or_blank_only_message_is_refused(void **) {
    const char *bodies[] = {
        R"({"model":"m","messages":[{"role":"user","content":""}]})",
        R"({"model":"m","messages":[{"role":"user","content":[]}]})",
        R"({"model":"m","messages":[{"role":"user","content":" \n\t\u00a0\u3000"}]})",
    };
    for (const char *b : bodies) {
        ApiError e;
        assert_true(prompt_blank(b, e));
        assert_string_equal(e.code, "invalid_value");
        assert_str_equal(e.param, "messages");
    }
}

static void tool_call_only_and_image_only_turns_are_not_blank(void **) {
    ApiError e;
    assert_false(prompt_blank(R"({"model":"m","messages":[{"role":"user","content":"q"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f",
        "arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c","content":""}]})",
                              e));
    assert_false(prompt_blank(R"({"model":"m","messages":[{"role":"user","content":[
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}}]}]})",
                              e));
    assert_false(prompt_blank(R"({"model":"m","messages":[{"role":"user","content":" x "}]})", e));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_request_parses),
        cmocka_unit_test(known_model_is_resolved_while_parsing),
        cmocka_unit_test(unknown_model_is_404_before_the_messages_are_read),
        cmocka_unit_test(empty_or_blank_only_message_is_refused),
        cmocka_unit_test(tool_call_only_and_image_only_turns_are_not_blank),
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
        cmocka_unit_test(n_out_of_range_fails),
        cmocka_unit_test(image_data_url_becomes_an_image_file),
        cmocka_unit_test(image_by_http_url_fails_naming_the_part),
        cmocka_unit_test(image_that_is_not_an_image_fails),
        cmocka_unit_test(tools_and_tool_choice_parse),
        cmocka_unit_test(tool_choice_naming_an_unknown_tool_fails),
        cmocka_unit_test(non_function_tool_fails),
        cmocka_unit_test(schema_with_a_remote_ref_fails_naming_it),
        cmocka_unit_test(unknown_fields_are_ignored),
        cmocka_unit_test(invalid_utf8_content_is_refused_naming_it),
        cmocka_unit_test(invalid_utf8_in_a_content_part_is_refused_naming_it),
        cmocka_unit_test(overlong_and_surrogate_utf8_are_refused),
        cmocka_unit_test(invalid_utf8_in_a_key_names_its_object),
        cmocka_unit_test(valid_multibyte_text_is_accepted),
        cmocka_unit_test(lone_surrogate_escape_is_invalid_json),
        cmocka_unit_test(nul_in_model_is_refused),
        cmocka_unit_test(nul_in_names_is_refused_naming_them),
        cmocka_unit_test(nul_in_free_text_is_refused),
        cmocka_unit_test(escaped_backslash_before_u0000_is_no_nul),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
