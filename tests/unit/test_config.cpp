#include "common/config.h"
#include "cmocka_cpp.h"

#include <cstring>
#include <map>

using Env = std::map<std::string, std::string>;

static const char *lookup(const char *name, void *ctx) {
    auto *env = static_cast<Env *>(ctx);
    auto it = env->find(name);
    return it == env->end() ? nullptr : it->second.c_str();
}

static bool load(Env env, Config &c, std::string &err) { return config_load(lookup, &env, c, err); }

// Every default of README's configuration table, in its order. An empty
// string is a default resolved later (beside the binary, by uid, by codex).
static void defaults_match_the_documented_ones(void **) {
    Config c;
    std::string err;
    assert_true(load({}, c, err));
    assert_str_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 4017);
    assert_true(c.api_key.empty());
    assert_str_equal(c.codex_bin, "codex");
    assert_true(c.codex_model.empty());
    assert_true(c.models.empty());
    assert_true(c.model_map.empty());
    assert_str_equal(c.unknown_model, "default");
    assert_true(c.codex_home.empty());
    assert_int_equal(c.timeout_ms, 180000);
    assert_int_equal(c.max_body_bytes, 2097152);
    assert_int_equal(c.max_header_bytes, 16384);
    assert_int_equal(c.header_timeout_ms, 10000);
    assert_int_equal(c.body_timeout_ms, 30000);
    assert_int_equal(c.idle_timeout_ms, 15000);
    assert_int_equal(c.max_connections, 256);
    assert_int_equal(c.max_concurrency, 1);
    assert_int_equal(c.max_queue, 32);
    assert_str_equal(c.workdir, "/tmp/codex-work");
    assert_int_equal(c.shutdown_grace_ms, 30000);
    assert_int_equal(c.sse_keepalive_ms, 15000);
    assert_true(c.pass_env.empty());
    assert_true(c.executor_path.empty());
    assert_true(c.api_key_file.empty());
    assert_true(c.credentials_dir.empty());
    assert_false(c.allow_unauthenticated);
    assert_true(c.listen.empty());
    assert_int_equal(c.socket_mode, 0660);
    assert_true(c.socket_group.empty());
    assert_str_equal(c.user, "codex-proxy");
    assert_true(c.state_dir.empty());
    assert_int_equal(c.rlimit_nofile, 4096);
    assert_int_equal(c.rlimit_fsize_mb, 1024);
    assert_int_equal(c.rlimit_cpu_seconds, 900);
    assert_true(c.landlock);
    assert_str_equal(c.backend, "exec");
    assert_int_equal(c.app_server_max_turns, 500);
    assert_int_equal(c.app_server_max_rss_mb, 1024);
    assert_int_equal(c.app_server_max_idle_ms, 900000);
    assert_int_equal(c.responses_max_mb, 256);
    assert_int_equal(c.responses_max_age_hours, 720);
}

static void every_setting_is_read(void **) {
    Config c;
    std::string err;
    assert_true(load({{"PORT", "8080"},
                      {"HOST", "::1"},
                      {"CODEX_PROXY_API_KEY", "k"},
                      {"CODEX_BIN", "/x/codex"},
                      {"CODEX_MODEL", "gpt-5"},
                      {"CODEX_PROXY_TIMEOUT_MS", "1000"},
                      {"CODEX_PROXY_MAX_BODY_BYTES", "4096"},
                      {"CODEX_PROXY_MAX_CONCURRENCY", "4"},
                      {"CODEX_PROXY_MAX_QUEUE", "0"},
                      {"CODEX_PROXY_WORKDIR", "/w"},
                      {"CODEX_HOME", "/h"},
                      {"CODEX_PROXY_SSE_KEEPALIVE_MS", "500"}},
                     c, err));
    assert_int_equal(c.port, 8080);
    assert_str_equal(c.host, "::1");
    assert_str_equal(c.api_key, "k");
    assert_str_equal(c.codex_bin, "/x/codex");
    assert_str_equal(c.codex_model, "gpt-5");
    assert_int_equal(c.timeout_ms, 1000);
    assert_int_equal(c.max_body_bytes, 4096);
    assert_int_equal(c.max_concurrency, 4);
    assert_int_equal(c.max_queue, 0);
    assert_str_equal(c.workdir, "/w");
    assert_str_equal(c.codex_home, "/h");
    assert_int_equal(c.sse_keepalive_ms, 500);
}

static void non_number_is_an_error_naming_the_variable(void **) {
    Config c;
    std::string err;
    assert_false(load({{"CODEX_PROXY_TIMEOUT_MS", "10s"}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_TIMEOUT_MS"));
    assert_non_null(strstr(err.c_str(), "'10s'"));
    for (const char *bad : {"", "-1", "+5", " 5", "1e3", "0x10"}) assert_false(load({{"PORT", bad}}, c, err));
}

static void out_of_range_is_an_error(void **) {
    Config c;
    std::string err;
    assert_false(load({{"PORT", "65536"}}, c, err));
    assert_false(load({{"CODEX_PROXY_MAX_CONCURRENCY", "0"}}, c, err));
    assert_false(load({{"CODEX_PROXY_MAX_CONCURRENCY", "99999999999999999999"}}, c, err));
    assert_false(load({{"CODEX_PROXY_MAX_BODY_BYTES", "10"}}, c, err));
}

static void required_string_may_not_be_empty(void **) {
    Config c;
    std::string err;
    assert_false(load({{"CODEX_BIN", ""}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_BIN"));
    assert_true(load({{"CODEX_MODEL", ""}}, c, err));
}

static void pass_env_is_a_comma_list_of_names(void **) {
    Config c;
    std::string err;
    assert_true(load({{"CODEX_PROXY_PASS_ENV", "HTTPS_PROXY, NO_PROXY,,SSL_CERT_FILE"}}, c, err));
    assert_int_equal(c.pass_env.size(), 3);
    assert_str_equal(c.pass_env[1], "NO_PROXY");
    Config d;
    assert_false(load({{"CODEX_PROXY_PASS_ENV", "OK,NOT-OK"}}, d, err));
    assert_non_null(strstr(err.c_str(), "NOT-OK"));
}

static void flags_modes_and_listen_are_checked(void **) {
    Config c;
    std::string err;
    assert_true(load({{"CODEX_PROXY_ALLOW_UNAUTHENTICATED", "1"},
                      {"CODEX_PROXY_SOCKET_MODE", "0600"},
                      {"CODEX_PROXY_LISTEN", "unix:/run/codex-proxy/proxy.sock"}},
                     c, err));
    assert_true(c.allow_unauthenticated);
    assert_int_equal(c.socket_mode, 0600);
    Config d;
    assert_false(load({{"CODEX_PROXY_ALLOW_UNAUTHENTICATED", "maybe"}}, d, err));
    assert_false(load({{"CODEX_PROXY_SOCKET_MODE", "0999"}}, d, err));
    assert_false(load({{"CODEX_PROXY_SOCKET_MODE", "rw"}}, d, err));
    assert_false(load({{"CODEX_PROXY_LISTEN", "tcp:0.0.0.0:80"}}, d, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_LISTEN"));
    assert_false(load({{"CODEX_PROXY_LISTEN", "unix:relative.sock"}}, d, err));
}

static void host_must_be_an_ip_address(void **) {
    Config c;
    std::string err;
    for (const char *bad : {"localhost", "999.1.1.1", "127.0.0.1 ", "1.2.3", "::g"}) {
        assert_false(load({{"HOST", bad}}, c, err));
        assert_non_null(strstr(err.c_str(), "HOST:"));
    }
    for (const char *good : {"0.0.0.0", "127.0.0.2", "::", "::1", "fe80::1"})
        assert_true(load({{"HOST", good}}, c, err));
}

static void socket_group_must_exist(void **) {
    Config c;
    std::string err;
    assert_false(load({{"CODEX_PROXY_SOCKET_GROUP", "no-such-group-codex-proxy"}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_SOCKET_GROUP"));
    assert_false(load({{"CODEX_PROXY_SOCKET_GROUP", "-1"}}, c, err));
    assert_true(load({{"CODEX_PROXY_SOCKET_GROUP", "root"}}, c, err));
    assert_true(load({{"CODEX_PROXY_SOCKET_GROUP", "12345"}}, c, err));
}

static void backend_and_its_recycle_limits_are_read(void **) {
    Config c;
    std::string err;
    assert_true(load({{"CODEX_PROXY_BACKEND", "app-server"},
                      {"CODEX_PROXY_APP_SERVER_MAX_TURNS", "3"},
                      {"CODEX_PROXY_APP_SERVER_MAX_RSS_MB", "256"},
                      {"CODEX_PROXY_APP_SERVER_MAX_IDLE_MS", "60000"}},
                     c, err));
    assert_str_equal(c.backend, "app-server");
    assert_int_equal(c.app_server_max_turns, 3);
    assert_int_equal(c.app_server_max_rss_mb, 256);
    assert_int_equal(c.app_server_max_idle_ms, 60000);
}

static void an_unknown_backend_is_an_error_naming_the_variable(void **) {
    Config c;
    std::string err;
    assert_false(load({{"CODEX_PROXY_BACKEND", "exec2"}}, c, err));
    assert_str_equal(err, "CODEX_PROXY_BACKEND: expected exec or app-server, got 'exec2'");
    assert_false(load({{"CODEX_PROXY_BACKEND", ""}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_BACKEND"));
}

static void app_server_limits_out_of_range_are_errors(void **) {
    Config c;
    std::string err;
    assert_false(load({{"CODEX_PROXY_APP_SERVER_MAX_TURNS", "0"}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_APP_SERVER_MAX_TURNS"));
    assert_false(load({{"CODEX_PROXY_APP_SERVER_MAX_RSS_MB", "10"}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_APP_SERVER_MAX_RSS_MB"));
    assert_false(load({{"CODEX_PROXY_APP_SERVER_MAX_IDLE_MS", "5m"}}, c, err));
    assert_non_null(strstr(err.c_str(), "CODEX_PROXY_APP_SERVER_MAX_IDLE_MS"));
}

static void directories_must_be_absolute(void **) {
    Config c;
    std::string err;
    for (const char *name : {"CODEX_PROXY_WORKDIR", "CODEX_PROXY_STATE_DIR"}) {
        assert_false(load({{name, "relative/dir"}}, c, err));
        assert_non_null(strstr(err.c_str(), name));
        assert_true(load({{name, "/abs/dir"}}, c, err));
    }
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_the_documented_ones),
        cmocka_unit_test(every_setting_is_read),
        cmocka_unit_test(non_number_is_an_error_naming_the_variable),
        cmocka_unit_test(out_of_range_is_an_error),
        cmocka_unit_test(required_string_may_not_be_empty),
        cmocka_unit_test(pass_env_is_a_comma_list_of_names),
        cmocka_unit_test(flags_modes_and_listen_are_checked),
        cmocka_unit_test(host_must_be_an_ip_address),
        cmocka_unit_test(socket_group_must_exist),
        cmocka_unit_test(directories_must_be_absolute),
        cmocka_unit_test(backend_and_its_recycle_limits_are_read),
        cmocka_unit_test(an_unknown_backend_is_an_error_naming_the_variable),
        cmocka_unit_test(app_server_limits_out_of_range_are_errors),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
