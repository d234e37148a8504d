#include "supervisor/base/json_util.h"
#include "supervisor/base/openai_error.h"
#include "cmocka_cpp.h"

static void envelope_has_the_four_fields(void **) {
    JsonDoc d(api_error_json(api_error_invalid("bad", "messages[0].role", "invalid_value")));
    const cJSON *e = cJSON_GetObjectItem(d.root, "error");
    assert_string_equal(cJSON_GetObjectItem(e, "message")->valuestring, "bad");
    assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "invalid_request_error");
    assert_string_equal(cJSON_GetObjectItem(e, "param")->valuestring, "messages[0].role");
    assert_string_equal(cJSON_GetObjectItem(e, "code")->valuestring, "invalid_value");
}

static void missing_param_and_code_are_null(void **) {
    ApiError x;
    x.message = "m";
    JsonDoc d(api_error_json(x));
    const cJSON *e = cJSON_GetObjectItem(d.root, "error");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "param")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "code")));
}

static void message_is_json_escaped(void **) {
    JsonDoc d(api_error_json(api_error_invalid("a \"quoted\"\nline", "", nullptr)));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(d.root, "error"), "message")->valuestring,
                        "a \"quoted\"\nline");
}

static void statuses_map_to_codes(void **) {
    struct {
        int status;
        const char *code;
    } cases[] = {{401, "invalid_api_key"},   {404, "not_found"},           {405, "method_not_allowed"},
                 {413, "request_too_large"}, {429, "rate_limit_exceeded"}, {431, "headers_too_large"},
                 {501, "not_implemented"},   {503, "unavailable"}};
    for (auto &c : cases) {
        ApiError e = api_error_for_status(c.status);
        assert_int_equal(e.status, c.status);
        assert_string_equal(e.code, c.code);
    }
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(envelope_has_the_four_fields),
        cmocka_unit_test(missing_param_and_code_are_null),
        cmocka_unit_test(message_is_json_escaped),
        cmocka_unit_test(statuses_map_to_codes),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
