#include "supervisor/metrics/usage_windows.h"
#include "cmocka_cpp.h"

static ipc::UsageWindowsMsg windows_of(const char *limit, double primary, double secondary) {
    ipc::UsageWindowsMsg m;
    m.windows = {{limit, "", "primary", primary, 300, 100}, {limit, "", "secondary", secondary, 10080, 200}};
    return m;
}

static void a_report_is_kept_with_its_time(void **) {
    UsageWindows u;
    u.update(windows_of("codex", 10, 20), 1000);
    assert_int_equal(u.entries().size(), 2);
    assert_true(u.entries()[0].w.used_percent == 10);
    assert_int_equal(u.entries()[1].reported_at, 1000);
}

static void a_later_report_of_a_limit_replaces_its_windows(void **) {
    UsageWindows u;
    u.update(windows_of("codex", 10, 20), 1000);
    ipc::UsageWindowsMsg only_primary;
    only_primary.windows = {{"codex", "", "primary", 55, 300, 100}};
    u.update(only_primary, 2000);
    assert_int_equal(u.entries().size(), 1);
    assert_true(u.entries()[0].w.used_percent == 55);
}

static void other_limits_are_kept(void **) {
    UsageWindows u;
    u.update(windows_of("codex", 10, 20), 1000);
    u.update(windows_of("codex_other", 1, 2), 2000);
    assert_int_equal(u.entries().size(), 4);
    u.update(windows_of("codex", 30, 40), 3000);
    assert_int_equal(u.entries().size(), 4);
    assert_str_equal(u.entries()[0].w.limit_id, "codex_other");
    assert_true(u.entries()[2].w.used_percent == 30);
}

static void the_oldest_limits_go_once_full(void **) {
    UsageWindows u;
    for (int i = 0; i < 40; i++)
        u.update(windows_of(("limit" + std::to_string(i)).c_str(), i, i), static_cast<uint64_t>(i));
    assert_int_equal(u.entries().size(), UsageWindows::kMaxEntries);
    assert_str_equal(u.entries().back().w.limit_id, "limit39");
    assert_str_equal(u.entries().front().w.limit_id, "limit24");
}

static void names_are_sanitised_for_json_and_labels(void **) {
    UsageWindows u;
    ipc::UsageWindowsMsg m;
    m.windows = {{"co\"de\\x\n", "na\xc3\xa9me", "prim}ary", 1, 0, 0}};
    u.update(m, 1);
    assert_str_equal(u.entries()[0].w.limit_id, "co_de_x_");
    assert_str_equal(u.entries()[0].w.limit_name, "na__me");
    assert_str_equal(u.entries()[0].w.window, "prim}ary");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_report_is_kept_with_its_time),
        cmocka_unit_test(a_later_report_of_a_limit_replaces_its_windows),
        cmocka_unit_test(other_limits_are_kept),
        cmocka_unit_test(the_oldest_limits_go_once_full),
        cmocka_unit_test(names_are_sanitised_for_json_and_labels),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
