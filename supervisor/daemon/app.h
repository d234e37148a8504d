// The supervisor's one context: everything the event loop's callbacks reach.
// There is no other mutable global state. Only the daemon layer sees it: the
// layers below get their own small contexts (JobsContext, ApiContext,
// HttpServer), made of references into it.
#pragma once
#include <uv.h>

#include <string>

#include "common/config.h"
#include "common/unique_fd.h"
#include "supervisor/api/api_context.h"
#include "supervisor/api/response_store.h"
#include "supervisor/auth/api_keys.h"
#include "supervisor/codex/codex_binary.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/codex/private_codex_home.h"
#include "supervisor/http/http_server.h"
#include "supervisor/jobs/jobs_context.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/metrics/metrics.h"
#include "supervisor/system/privileges.h"

struct App {
    uv_loop_t *loop = nullptr;
    Config cfg;
    ApiKeys keys;
    ApiKeys env_keys;  // CODEX_PROXY_API_KEY's alone, which a reload (SIGHUP) keeps
    std::string executor_path;
    CodexBinary codex;  // CODEX_BIN resolved once at start (codex_binary.h)
    RunAs run_as;       // whom executors run as, when started as root
    ModelNames model_names;
    ResponseStore responses;        // opened once the supervisor runs as its run user
    UniqueFd workdir_lock;          // held for the supervisor's life
    std::string codex_home;         // the configured CODEX_HOME: read, never written
    PrivateCodexHome private_home;  // what codex runs with
    std::string model_catalog;      // the catalog file codex runs with (codex_model_catalog.h)
    Metrics metrics;
    Scheduler *scheduler = nullptr;
    HttpServer http;  // the connections, wired to the API's router in main
    // TCP (HOST:PORT) or a Unix socket (CODEX_PROXY_LISTEN=unix:...).
    union Listener {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } listener;
    uv_signal_t sigterm, sigint, sighup;
    std::string notify_socket;  // systemd's $NOTIFY_SOCKET (sd_notify.h); empty: none
    bool ready_notified = false;
    uv_timer_t grace_timer;
    bool draining = false;
    bool executors_stopping = false;
    uint64_t started_ms = 0;
};

// What each layer below is handed: references into app, which outlives them.
JobsContext app_jobs_context(App &app);
ApiContext app_api_context(App &app);
