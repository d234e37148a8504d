#include "common/config.h"

#include <arpa/inet.h>
#include <grp.h>

#include <cstdlib>
#include <utility>
#include <cstring>

namespace {

struct IntSetting {
    const char *name;
    uint32_t Config::*field;
    uint64_t min, max;
};

constexpr uint64_t kDay = 24ull * 3600 * 1000;

const IntSetting kIntSettings[] = {
    {"PORT", &Config::port, 0, 65535},
    {"CODEX_PROXY_TIMEOUT_MS", &Config::timeout_ms, 100, kDay},
    {"CODEX_PROXY_MAX_BODY_BYTES", &Config::max_body_bytes, 1024, 64ull << 20},
    {"CODEX_PROXY_MAX_HEADER_BYTES", &Config::max_header_bytes, 1024, 1ull << 20},
    {"CODEX_PROXY_HEADER_TIMEOUT_MS", &Config::header_timeout_ms, 100, kDay},
    {"CODEX_PROXY_BODY_TIMEOUT_MS", &Config::body_timeout_ms, 100, kDay},
    {"CODEX_PROXY_IDLE_TIMEOUT_MS", &Config::idle_timeout_ms, 100, kDay},
    {"CODEX_PROXY_MAX_CONNECTIONS", &Config::max_connections, 1, 65536},
    {"CODEX_PROXY_MAX_CONNECTIONS_PER_PEER", &Config::max_connections_per_peer, 0, 65536},
    {"CODEX_PROXY_WRITE_TIMEOUT_MS", &Config::write_timeout_ms, 100, kDay},
    {"CODEX_PROXY_MAX_CONCURRENCY", &Config::max_concurrency, 1, 64},
    {"CODEX_PROXY_MAX_QUEUE", &Config::max_queue, 0, 100000},
    {"CODEX_PROXY_SHUTDOWN_GRACE_MS", &Config::shutdown_grace_ms, 0, kDay},
    {"CODEX_PROXY_SSE_KEEPALIVE_MS", &Config::sse_keepalive_ms, 50, kDay},
    {"CODEX_PROXY_RLIMIT_NOFILE", &Config::rlimit_nofile, 64, 1u << 20},
    {"CODEX_PROXY_RLIMIT_FSIZE_MB", &Config::rlimit_fsize_mb, 1, 1u << 20},
    {"CODEX_PROXY_RLIMIT_CPU_SECONDS", &Config::rlimit_cpu_seconds, 1, 7 * 86400},
    {"CODEX_PROXY_APP_SERVER_MAX_TURNS", &Config::app_server_max_turns, 1, 1000000},
    {"CODEX_PROXY_APP_SERVER_MAX_RSS_MB", &Config::app_server_max_rss_mb, 64, 1u << 20},
    {"CODEX_PROXY_APP_SERVER_MAX_IDLE_MS", &Config::app_server_max_idle_ms, 1000, kDay},
    {"CODEX_PROXY_RESPONSES_MAX_MB", &Config::responses_max_mb, 0, 1u << 20},
    {"CODEX_PROXY_RESPONSES_MAX_AGE_HOURS", &Config::responses_max_age_hours, 0, 10u * 365 * 24},
};

struct StrSetting {
    const char *name;
    std::string Config::*field;
    bool may_be_empty;
};

const StrSetting kStrSettings[] = {
    {"HOST", &Config::host, false},
    {"CODEX_PROXY_API_KEY", &Config::api_key, true},
    {"CODEX_BIN", &Config::codex_bin, false},
    {"CODEX_MODEL", &Config::codex_model, true},
    {"CODEX_HOME", &Config::codex_home, true},
    {"CODEX_PROXY_WORKDIR", &Config::workdir, false},
    {"CODEX_PROXY_EXECUTOR", &Config::executor_path, true},
    {"CODEX_PROXY_API_KEY_FILE", &Config::api_key_file, true},
    {"CREDENTIALS_DIRECTORY", &Config::credentials_dir, true},
    {"CODEX_PROXY_LISTEN", &Config::listen, true},
    {"CODEX_PROXY_SOCKET_GROUP", &Config::socket_group, true},
    {"CODEX_PROXY_USER", &Config::user, false},
    {"CODEX_PROXY_STATE_DIR", &Config::state_dir, true},
    {"CODEX_PROXY_MODELS", &Config::models, true},
    {"CODEX_PROXY_MODEL_MAP", &Config::model_map, true},
    {"CODEX_PROXY_UNKNOWN_MODEL", &Config::unknown_model, false},
    {"CODEX_PROXY_BACKEND", &Config::backend, false},
};

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint32_t &out) {
    if (*s == '\0') return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + static_cast<uint64_t>(*p - '0');
        if (v > max) return false;
    }
    if (v < min) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

bool valid_env_name(const std::string &n) {
    if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
    for (char c : n)
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

bool parse_pass_env(const char *s, std::vector<std::string> &out, std::string &error) {
    std::string cur;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == '\0') {
            if (!cur.empty()) {
                if (!valid_env_name(cur)) {
                    error = "CODEX_PROXY_PASS_ENV: '" + cur + "' is not a variable name";
                    return false;
                }
                out.push_back(cur);
            }
            cur.clear();
            if (*p == '\0') return true;
        } else if (*p != ' ') {
            cur.push_back(*p);
        }
    }
}

bool parse_flag(const char *name, const char *v, bool &out, std::string &error) {
    if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) out = true;
    else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !*v) out = false;
    else {
        error = std::string(name) + ": expected 1 or 0, got '" + v + "'";
        return false;
    }
    return true;
}

bool parse_octal_mode(const char *name, const char *v, uint32_t &out, std::string &error) {
    uint32_t m = 0;
    bool ok = *v != '\0' && strlen(v) <= 4;
    for (const char *p = v; ok && *p; p++) {
        ok = *p >= '0' && *p <= '7';
        m = m * 8 + static_cast<uint32_t>(*p - '0');
    }
    if (!ok || m > 0777) {
        error = std::string(name) + ": expected an octal mode such as 0660, got '" + v + "'";
        return false;
    }
    out = m;
    return true;
}

bool is_ip_literal(const std::string &host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A group name the system knows, or a number.
bool is_group(const std::string &g) {
    if (getgrnam(g.c_str())) return true;
    uint32_t n;
    return parse_uint(g.c_str(), 0, 0xfffffffe, n);
}

bool validate(const Config &cfg, std::string &error) {
    if (!cfg.listen.empty() && (cfg.listen.rfind("unix:/", 0) != 0 || cfg.listen.size() > 100)) {
        error = "CODEX_PROXY_LISTEN: expected unix:/absolute/path (at most 100 characters)";
        return false;
    }
    if (cfg.backend != "exec" && cfg.backend != "app-server") {
        error = "CODEX_PROXY_BACKEND: expected exec or app-server, got '" + cfg.backend + "'";
        return false;
    }
    if (!is_ip_literal(cfg.host)) {
        error =
            "HOST: expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1 (not a host name), got '" + cfg.host + "'";
        return false;
    }
    if (!cfg.socket_group.empty() && !is_group(cfg.socket_group)) {
        error = "CODEX_PROXY_SOCKET_GROUP: no group named '" + cfg.socket_group + "'";
        return false;
    }
    // Relative directories would depend on wherever the proxy was started.
    const std::pair<const char *, const std::string *> dirs[] = {{"CODEX_PROXY_WORKDIR", &cfg.workdir},
                                                                 {"CODEX_PROXY_STATE_DIR", &cfg.state_dir}};
    for (const auto &[name, dir] : dirs) {
        if (!dir->empty() && (*dir)[0] != '/') {
            error = std::string(name) + ": expected an absolute path, got '" + *dir + "'";
            return false;
        }
    }
    return true;
}

}  // namespace

const char *const kSecretSettings[] = {"CODEX_PROXY_API_KEY", nullptr};

const char *config_getenv(const char *name, void *) { return getenv(name); }

bool config_load(EnvLookup lookup, void *ctx, Config &cfg, std::string &error) {
    for (const auto &s : kIntSettings) {
        const char *v = lookup(s.name, ctx);
        if (!v) continue;
        if (!parse_uint(v, s.min, s.max, cfg.*s.field)) {
            error = std::string(s.name) + ": expected a whole number from " + std::to_string(s.min) + " to " +
                    std::to_string(s.max) + ", got '" + v + "'";
            return false;
        }
    }
    for (const auto &s : kStrSettings) {
        const char *v = lookup(s.name, ctx);
        if (!v) continue;
        if (!*v && !s.may_be_empty) {
            error = std::string(s.name) + ": must not be empty";
            return false;
        }
        cfg.*s.field = v;
    }
    if (const char *v = lookup("CODEX_PROXY_PASS_ENV", ctx))
        if (!parse_pass_env(v, cfg.pass_env, error)) return false;
    if (const char *v = lookup("CODEX_PROXY_ALLOW_UNAUTHENTICATED", ctx))
        if (!parse_flag("CODEX_PROXY_ALLOW_UNAUTHENTICATED", v, cfg.allow_unauthenticated, error)) return false;
    if (const char *v = lookup("CODEX_PROXY_METRICS_PUBLIC", ctx))
        if (!parse_flag("CODEX_PROXY_METRICS_PUBLIC", v, cfg.metrics_public, error)) return false;
    if (const char *v = lookup("CODEX_PROXY_LANDLOCK", ctx))
        if (!parse_flag("CODEX_PROXY_LANDLOCK", v, cfg.landlock, error)) return false;
    if (const char *v = lookup("CODEX_PROXY_SOCKET_MODE", ctx))
        if (!parse_octal_mode("CODEX_PROXY_SOCKET_MODE", v, cfg.socket_mode, error)) return false;
    return validate(cfg, error);
}
