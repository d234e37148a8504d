#include "supervisor/codex/model_names.h"
#include "cmocka_cpp.h"

#include <cstring>

static ModelNames parse(const char *models, const char *map, const char *policy, const char *deflt = "") {
    ModelNames m;
    m.default_model = deflt;
    std::string err;
    assert_true(model_names_parse(models, map, policy, m, err));
    return m;
}

static void aliases_map_to_codex_models(void **) {
    ModelNames m = parse("", "gpt-4.1=gpt-5.1-codex-mini, gpt-5.2=gpt-5.1-codex", "default");
    std::string out;
    assert_true(model_names_resolve(m, "gpt-4.1", out));
    assert_str_equal(out, "gpt-5.1-codex-mini");
    assert_true(model_names_resolve(m, "gpt-5.2", out));
    assert_str_equal(out, "gpt-5.1-codex");
}

static void listed_models_run_as_themselves(void **) {
    ModelNames m = parse("gpt-5.1-codex,o4-mini", "", "reject");
    std::string out;
    assert_true(model_names_resolve(m, "o4-mini", out));
    assert_str_equal(out, "o4-mini");
}

static void unknown_names_follow_the_policy(void **) {
    std::string out = "x";
    assert_true(model_names_resolve(parse("", "", "default", "gpt-5.1-codex"), "gpt-4o-2024-08-06", out));
    assert_str_equal(out, "gpt-5.1-codex");
    assert_true(model_names_resolve(parse("", "", "default"), "anything", out));
    assert_str_equal(out, "");
    assert_false(model_names_resolve(parse("a", "b=c", "reject"), "gpt-4.1", out));
    assert_true(model_names_resolve(parse("", "", "reject", "gpt-5.1-codex"), "gpt-5.1-codex", out));
}

static void listing_has_default_models_and_aliases_once(void **) {
    // m2 is both a listed model and an alias: listed once.
    auto ids = model_names_listed(parse("m1,m2", "a1=m1,m2=m1", "default", "m1"));
    assert_int_equal(ids.size(), 3);
    assert_str_equal(ids[0], "m1");
    assert_str_equal(ids[1], "m2");
    assert_str_equal(ids[2], "a1");
    assert_str_equal(model_names_listed(parse("", "", "default"))[0], "codex");
}

// What /v1/models lists is what resolves, whatever the policy.
static void every_listed_id_resolves(void **) {
    for (const char *policy : {"default", "reject"}) {
        for (const char *deflt : {"", "gpt-5.1-codex"}) {
            ModelNames m = parse("m1", "a1=m2", policy, deflt);
            for (const auto &id : model_names_listed(m)) {
                std::string out = "x";
                assert_true(model_names_resolve(m, id, out));
            }
        }
    }
}

// Under reject without CODEX_MODEL, the listed "codex" runs the default.
static void codex_runs_the_default_under_reject(void **) {
    std::string out = "x";
    assert_true(model_names_resolve(parse("", "", "reject"), "codex", out));
    assert_str_equal(out, "");
}

static void malformed_settings_are_errors(void **) {
    ModelNames m;
    std::string err;
    assert_false(model_names_parse("", "gpt-4.1", "default", m, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_MODEL_MAP"));
    assert_false(model_names_parse("", "a=", "default", m, err));
    assert_false(model_names_parse("bad name!", "", "default", m, err));
    assert_false(model_names_parse("", "", "sometimes", m, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_UNKNOWN_MODEL"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aliases_map_to_codex_models),
        cmocka_unit_test(listed_models_run_as_themselves),
        cmocka_unit_test(unknown_names_follow_the_policy),
        cmocka_unit_test(listing_has_default_models_and_aliases_once),
        cmocka_unit_test(malformed_settings_are_errors),
        cmocka_unit_test(every_listed_id_resolves),
        cmocka_unit_test(codex_runs_the_default_under_reject),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
