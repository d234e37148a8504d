#include "common/config.h"

#include <cstdlib>

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
    {"CODEX_PROXY_MAX_CONCURRENCY", &Config::max_concurrency, 1, 64},
    {"CODEX_PROXY_MAX_QUEUE", &Config::max_queue, 0, 100000},
    {"CODEX_PROXY_SHUTDOWN_GRACE_MS", &Config::shutdown_grace_ms, 0, kDay},
    {"CODEX_PROXY_SSE_KEEPALIVE_MS", &Config::sse_keepalive_ms, 50, kDay},
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
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
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

}  // namespace

const char *config_getenv(const char *name, void *) { return getenv(name); }

bool config_load(EnvLookup lookup, void *ctx, Config &cfg, std::string &error) {
    for (const auto &s : kIntSettings) {
        const char *v = lookup(s.name, ctx);
        if (!v) continue;
        if (!parse_uint(v, s.min, s.max, cfg.*s.field)) {
            error = std::string(s.name) + ": expected a whole number from " + std::to_string(s.min) +
                    " to " + std::to_string(s.max) + ", got '" + v + "'";
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
    return true;
}
