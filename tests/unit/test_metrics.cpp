#include "supervisor/metrics/metrics.h"
#include "cmocka_cpp.h"

#include <cstring>
#include <vector>

#include "supervisor/codex/model_names.h"

static bool has_line(const std::string &text, const std::string &line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

static void a_value_on_a_bound_counts_in_that_bucket(void **) {
    std::vector<double> bounds = {1, 2};
    Histogram h(&bounds);
    h.observe(1);
    h.observe(1.5);
    h.observe(3);
    std::string out;
    h.render(out, "x", "k=\"v\"");
    assert_true(has_line(out, "x_bucket{k=\"v\",le=\"1\"} 1"));
    assert_true(has_line(out, "x_bucket{k=\"v\",le=\"2\"} 2"));
    assert_true(has_line(out, "x_bucket{k=\"v\",le=\"+Inf\"} 3"));
    assert_true(has_line(out, "x_sum{k=\"v\"} 5.5"));
    assert_true(has_line(out, "x_count{k=\"v\"} 3"));
}

static void an_unconfigured_model_name_is_never_a_label(void **) {
    ModelNames names;
    std::string error;
    assert_true(model_names_parse("gpt-a", "", "default", names, error));
    Metrics metrics;
    metrics.token_usage(names, "gpt-a", 3, 4);
    metrics.token_usage(names, "whatever-the-client-sent", 3, 4);
    std::string out = metrics.render(MetricsGauges());
    assert_non_null(strstr(out.c_str(), "gen_ai_request_model=\"gpt-a\",gen_ai_token_type=\"input\"} 3"));
    assert_non_null(strstr(out.c_str(), "gen_ai_request_model=\"other\",gen_ai_token_type=\"output\"} 4"));
    assert_null(strstr(out.c_str(), "whatever"));
}

static void label_values_are_escaped(void **) {
    assert_string_equal(metrics_label_value("a\"b\\c\nd").c_str(), "a\\\"b\\\\c\\nd");
}

static void routes_are_a_bounded_set(void **) {
    assert_string_equal(metrics_route("/v1/chat/completions"), "/v1/chat/completions");
    assert_string_equal(metrics_route("/v1/models/gpt-4.1"), "/v1/models/{id}");
    assert_string_equal(metrics_route("/v1/chat/completions/123"), "other");
    assert_string_equal(metrics_route("/anything/at/all"), "other");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_value_on_a_bound_counts_in_that_bucket),
        cmocka_unit_test(an_unconfigured_model_name_is_never_a_label),
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(routes_are_a_bounded_set),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
