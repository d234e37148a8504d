// The daemon's settings, read once from the environment at start.
//
// Parsing is a pure function of a lookup so tests can feed it any
// environment; a bad value is a startup error that names the variable and
// the accepted range, never a silent fallback to the default.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/executor_setup.h"

struct Config {
    std::string host = "127.0.0.1";
    uint32_t port = 4017;                // 0 binds an ephemeral port (tests use it)
    std::string api_key;                 // empty: no key from the environment itself
    std::string api_key_file;            // CODEX_PROXY_API_KEY_FILE: one key per line
    std::string credentials_dir;         // systemd's CREDENTIALS_DIRECTORY
    bool allow_unauthenticated = false;  // a non-loopback listener without a key
    bool metrics_public = false;         // GET /metrics without the API key
    std::string listen;                  // "unix:/path"; empty: HOST and PORT
    uint32_t socket_mode = 0660;
    std::string socket_group;          // name or number; empty: the proxy's group
    std::string user = "codex-proxy";  // who the proxy becomes when started as root
    std::string codex_bin = "codex";
    std::string codex_model;  // empty: config.toml's `model`, else kCodexFallbackModel (codex_model_catalog.h)
    std::string models;       // CODEX_PROXY_MODELS, see supervisor/codex/model_names.h
    std::string model_map;    // CODEX_PROXY_MODEL_MAP
    std::string unknown_model = "default";  // CODEX_PROXY_UNKNOWN_MODEL: default or reject
    std::string codex_home;                 // empty: codex's default ($HOME/.codex)
    std::string workdir = "/tmp/codex-work";
    std::string state_dir;      // empty: /var/lib/codex-proxy as root, else ~/.local/state/codex-proxy
    std::string executor_path;  // empty: found beside the supervisor
    std::vector<std::string> pass_env;
    uint32_t timeout_ms = 180000;
    uint32_t max_body_bytes = 2097152;
    uint32_t max_header_bytes = 16384;
    uint32_t header_timeout_ms = 10000;
    uint32_t body_timeout_ms = 30000;
    uint32_t idle_timeout_ms = 15000;
    uint32_t max_connections = 256;
    uint32_t max_connections_per_peer = 64;  // 0: no per-address limit
    uint32_t write_timeout_ms = 60000;       // a client that reads nothing for this long is cut off
    uint32_t max_concurrency = 1;
    uint32_t max_queue = 32;
    uint32_t shutdown_grace_ms = 30000;
    uint32_t sse_keepalive_ms = 15000;
    // What executors, and codex below them, may use.
    uint32_t rlimit_nofile = executor_defaults::kRlimitNofile;
    uint32_t rlimit_fsize_mb = executor_defaults::kRlimitFsizeMb;
    uint32_t rlimit_cpu_seconds = executor_defaults::kRlimitCpuSeconds;
    bool landlock = true;
    // Which backend executors run (executor/backend.h), and when a
    // long-lived app-server is replaced.
    std::string backend = "exec";  // CODEX_PROXY_BACKEND: exec or app-server
    uint32_t app_server_max_turns = executor_defaults::kAppServerMaxTurns;
    uint32_t app_server_max_rss_mb = executor_defaults::kAppServerMaxRssMb;
    uint32_t app_server_max_idle_ms = executor_defaults::kAppServerMaxIdleMs;
    // Stored responses (previous_response_id, item_reference).
    uint32_t responses_max_mb = 256;
    uint32_t responses_max_age_hours = 720;
};

using EnvLookup = const char *(*)(const char *name, void *ctx);

// Fills cfg from the environment; on failure returns false and sets error.
bool config_load(EnvLookup lookup, void *ctx, Config &cfg, std::string &error);

// The settings that hold secrets, so they can be scrubbed once read.
extern const char *const kSecretSettings[];

// The real process environment, for config_load.
const char *config_getenv(const char *name, void *ctx);
