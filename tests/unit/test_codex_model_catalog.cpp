#include <cstring>
#include <string>

#include "common/json_doc.h"
#include "supervisor/codex/codex_model_catalog.h"
#include "supervisor/base/json_util.h"
#include "cmocka_cpp.h"

static void config_model_in_every_string_form(void **) {
    assert_str_equal(codex_config_model("model = \"gpt-5.1-codex\"\n"), "gpt-5.1-codex");
    assert_str_equal(codex_config_model("model = 'gpt-5.1-codex-mini'\n"), "gpt-5.1-codex-mini");
    assert_str_equal(codex_config_model("model = \"\"\"gpt-5.2\"\"\"\n"), "gpt-5.2");
    assert_str_equal(codex_config_model("model = '''gpt-5.3'''\n"), "gpt-5.3");
    assert_str_equal(codex_config_model("model = \"gpt-\\u0035\"\n"), "gpt-5");  // an escape
}

static void config_model_with_comments(void **) {
    assert_str_equal(codex_config_model("# model = \"commented\"\nmodel = 'o4' # the default\n"), "o4");
    assert_str_equal(codex_config_model("model = \"a#b\"\n"), "a#b");
}

static void config_model_inside_a_table_is_ignored(void **) {
    assert_str_equal(codex_config_model("[profiles.fast]\nmodel = 'o3'\n"), "");
    assert_str_equal(codex_config_model("profiles = { x = { model = 'o3' } }\n"), "");
    assert_str_equal(codex_config_model("[p]\nmodel = 'o3'\n[q]\nx = 1\n"), "");
    assert_str_equal(codex_config_model("model = 5\n"), "");  // not a string
}

static void malformed_config_is_no_model(void **) {
    assert_str_equal(codex_config_model("model = \"unterminated\n"), "");
    assert_str_equal(codex_config_model("model = 'a'\nmodel = 'b'\n"), "");  // a duplicate key
    assert_str_equal(codex_config_model(std::string("model = 'x'\0\n", 13)), "");
    assert_str_equal(codex_config_model("[[[\n"), "");
}

static void config_model_is_read_from_the_top_level_only(void **) {
    assert_str_equal(codex_config_model("model_provider = \"mock\"\nmodel = \"gpt-5.1-codex\"\n"), "gpt-5.1-codex");
    assert_str_equal(codex_config_model("[profiles.x]\nmodel = \"o3\"\n"), "");
    assert_str_equal(codex_config_model("model_reasoning_effort = \"low\"\n"), "");
}

static void slugs_start_with_the_default_and_do_not_repeat(void **) {
    ModelNames m;
    m.models = {"a", "b"};
    m.aliases = {{"gpt-4.1", "b"}, {"gpt-5.2", "c"}};
    auto s = codex_catalog_slugs(m, "model = \"cfg\"\n");
    assert_int_equal(s.size(), 4);
    assert_str_equal(s[0], "cfg");
    assert_str_equal(s[3], "c");
    m.default_model = "env";
    assert_str_equal(codex_catalog_slugs(m, "")[0], "env");
    assert_str_equal(codex_catalog_slugs(ModelNames{}, "")[0], kCodexFallbackModel);
}

static void every_entry_has_the_shell_disabled_and_the_proxy_instructions(void **) {
    JsonDoc doc(codex_catalog_json({"x", "y"}));
    const cJSON *models = json_get(doc.root, "models");
    assert_int_equal(cJSON_GetArraySize(models), 2);
    for (const cJSON *m = models->child; m; m = m->next) {
        assert_str_equal(json_get(m, "shell_type")->valuestring, "disabled");
        assert_non_null(strstr(json_get(m, "base_instructions")->valuestring, "no shell"));
        assert_null(json_get(m, "apply_patch_tool_type"));
        assert_null(json_get(m, "web_search_tool_type"));
    }
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_model_is_read_from_the_top_level_only),
        cmocka_unit_test(config_model_in_every_string_form),
        cmocka_unit_test(config_model_with_comments),
        cmocka_unit_test(config_model_inside_a_table_is_ignored),
        cmocka_unit_test(malformed_config_is_no_model),
        cmocka_unit_test(slugs_start_with_the_default_and_do_not_repeat),
        cmocka_unit_test(every_entry_has_the_shell_disabled_and_the_proxy_instructions),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
