#include "common/executor_setup.h"
#include "cmocka_cpp.h"

static ExecutorSetup sample() {
    ExecutorSetup s;
    s.supervisor_pid = 4242;
    s.backend = "app-server";
    s.codex_bin = "/usr/bin/codex";
    s.workdir = "/tmp/w/executor-1";
    s.model_catalog = "/var/lib/p/catalog.json";
    s.codex_home = "/var/lib/p/codex-home";
    s.sqlite_home = "/var/lib/p/sqlite-1";
    s.rlimit_nofile = 2048;
    s.rlimit_fsize = 1ull << 33;
    s.rlimit_cpu_seconds = 60;
    s.landlock = false;
    s.kill_grace_ms = 75;
    s.app_server_max_turns = 7;
    s.app_server_max_rss_mb = 300;
    s.app_server_max_idle_ms = 5000;
    return s;
}

static void setup_round_trips(void **) {
    ExecutorSetup in = sample(), out;
    std::string why;
    assert_true(executor_setup_decode(executor_setup_encode(in), out, why));
    assert_int_equal(out.supervisor_pid, 4242);
    assert_str_equal(out.backend, "app-server");
    assert_str_equal(out.codex_bin, in.codex_bin);
    assert_str_equal(out.workdir, in.workdir);
    assert_str_equal(out.model_catalog, in.model_catalog);
    assert_str_equal(out.codex_home, in.codex_home);
    assert_str_equal(out.sqlite_home, in.sqlite_home);
    assert_int_equal(out.rlimit_nofile, 2048);
    assert_true(out.rlimit_fsize == 1ull << 33);
    assert_int_equal(out.rlimit_cpu_seconds, 60);
    assert_false(out.landlock);
    assert_int_equal(out.kill_grace_ms, 75);
    assert_int_equal(out.app_server_max_turns, 7);
    assert_int_equal(out.app_server_max_rss_mb, 300);
    assert_int_equal(out.app_server_max_idle_ms, 5000);
}

static void defaults_survive_the_round_trip(void **) {
    ExecutorSetup in = sample(), out;
    in.landlock = true;
    in.kill_grace_ms = executor_defaults::kKillGraceMs;
    std::string why;
    assert_true(executor_setup_decode(executor_setup_encode(in), out, why));
    assert_true(out.landlock);
    assert_int_equal(out.kill_grace_ms, 50);
}

static void every_truncation_is_refused(void **) {
    std::string wire = executor_setup_encode(sample());
    for (size_t n = 0; n < wire.size(); n++) {
        ExecutorSetup out;
        std::string why;
        if (executor_setup_decode(wire.substr(0, n), out, why)) fail_msg("a setup cut to %zu bytes decoded", n);
    }
}

static void leftover_bytes_are_refused(void **) {
    ExecutorSetup out;
    std::string why;
    assert_false(executor_setup_decode(executor_setup_encode(sample()) + "x", out, why));
    assert_str_equal(why, "setup payload short or with leftover bytes");
}

static void a_landlock_byte_other_than_0_or_1_is_refused(void **) {
    ExecutorSetup s = sample();
    std::string wire = executor_setup_encode(s);
    // The flag is the byte before the last four u32s.
    wire[wire.size() - 17] = 2;
    ExecutorSetup out;
    std::string why;
    assert_false(executor_setup_decode(wire, out, why));
    assert_str_equal(why, "landlock flag neither 0 nor 1");
}

static void decode_refuses(ExecutorSetup s, const char *expected_why) {
    ExecutorSetup out;
    std::string why;
    assert_false(executor_setup_decode(executor_setup_encode(s), out, why));
    assert_str_equal(why, expected_why);
}

static void an_unknown_backend_is_refused(void **) {
    ExecutorSetup s = sample();
    s.backend = "exec2";
    decode_refuses(s, "unknown backend");
}

static void a_relative_work_directory_is_refused(void **) {
    ExecutorSetup s = sample();
    s.workdir = "w/executor-1";
    decode_refuses(s, "work directory not absolute");
}

static void a_relative_codex_home_is_refused(void **) {
    ExecutorSetup s = sample();
    s.codex_home = "";
    decode_refuses(s, "Codex home not absolute");
}

static void a_zero_limit_is_refused(void **) {
    ExecutorSetup s = sample();
    s.rlimit_fsize = 0;
    decode_refuses(s, "a zero limit");
}

static void a_zero_app_server_limit_is_refused(void **) {
    ExecutorSetup s = sample();
    s.app_server_max_idle_ms = 0;
    decode_refuses(s, "a zero app-server limit");
}

static void a_missing_supervisor_pid_is_refused(void **) {
    ExecutorSetup s = sample();
    s.supervisor_pid = 0;
    decode_refuses(s, "no supervisor pid");
}

static void an_empty_model_catalog_is_codex_own(void **) {
    ExecutorSetup s = sample(), out;
    s.model_catalog.clear();
    std::string why;
    assert_true(executor_setup_decode(executor_setup_encode(s), out, why));
    assert_true(out.model_catalog.empty());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setup_round_trips),
        cmocka_unit_test(defaults_survive_the_round_trip),
        cmocka_unit_test(every_truncation_is_refused),
        cmocka_unit_test(leftover_bytes_are_refused),
        cmocka_unit_test(a_landlock_byte_other_than_0_or_1_is_refused),
        cmocka_unit_test(an_unknown_backend_is_refused),
        cmocka_unit_test(a_relative_work_directory_is_refused),
        cmocka_unit_test(a_relative_codex_home_is_refused),
        cmocka_unit_test(a_zero_limit_is_refused),
        cmocka_unit_test(a_zero_app_server_limit_is_refused),
        cmocka_unit_test(a_missing_supervisor_pid_is_refused),
        cmocka_unit_test(an_empty_model_catalog_is_codex_own),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
