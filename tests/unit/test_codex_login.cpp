#include "supervisor/codex/codex_login.h"
#include "cmocka_cpp.h"

#include <cstring>

static void default_provider_needs_a_login(void **) {
    assert_true(codex_provider_needs_login(""));
    assert_true(codex_provider_needs_login("model = \"gpt-5.5\"\n"));
    assert_true(codex_provider_needs_login("model_provider = \"openai\"\n"));
}

static void custom_provider_needs_none_by_default(void **) {
    assert_false(codex_provider_needs_login(
        "model_provider = \"mock\"\n[model_providers.mock]\nbase_url = \"http://127.0.0.1:1/v1\"\n"));
    assert_false(codex_provider_needs_login(
        "model_provider = \"az\"\n[model_providers.az]\nenv_key = \"AZURE_KEY\"\nrequires_openai_auth = false\n"));
}

static void custom_provider_that_requires_openai_auth_needs_one(void **) {
    assert_true(codex_provider_needs_login(
        "model_provider = 'mock' # comment\n[model_providers.\"mock\"]\nrequires_openai_auth = true\n"));
}

static void builtin_local_providers_need_none(void **) {
    assert_false(codex_provider_needs_login("model_provider = \"ollama\"\n"));
    assert_false(codex_provider_needs_login("model_provider = \"lmstudio\"\n"));
}

static void keys_inside_tables_are_not_top_level(void **) {
    assert_true(codex_provider_needs_login("[profiles.x]\nmodel_provider = \"ollama\"\n"));
}

static void the_selected_profile_chooses_the_provider(void **) {
    assert_false(codex_provider_needs_login("profile = \"local\"\n[profiles.local]\nmodel_provider = \"ollama\"\n"));
    assert_true(codex_provider_needs_login("profile = \"other\"\n[profiles.local]\nmodel_provider = \"ollama\"\n"));
}

static void the_error_says_how_to_log_in(void **) {
    ApiError e = codex_login_required_error();
    assert_int_equal(e.status, 503);
    assert_string_equal(e.code, "codex_login_required");
    assert_non_null(strstr(e.message.c_str(), "codex login"));
    assert_non_null(strstr(e.message.c_str(), "--device-auth"));
    assert_non_null(strstr(e.message.c_str(), "CODEX_HOME"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_provider_needs_a_login),
        cmocka_unit_test(custom_provider_needs_none_by_default),
        cmocka_unit_test(custom_provider_that_requires_openai_auth_needs_one),
        cmocka_unit_test(builtin_local_providers_need_none),
        cmocka_unit_test(keys_inside_tables_are_not_top_level),
        cmocka_unit_test(the_selected_profile_chooses_the_provider),
        cmocka_unit_test(the_error_says_how_to_log_in),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
