// What the API's handlers need from the daemon, and no more. The daemon
// (daemon/app.h) owns every part and outlives the handlers; the references
// follow a reload's changes (the API keys).
#pragma once
#include <uv.h>

#include <cstdint>
#include <string>

#include "common/config.h"
#include "supervisor/api/response_store.h"
#include "supervisor/auth/api_keys.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/codex/private_codex_home.h"
#include "supervisor/http/http_server.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/metrics/metrics.h"

// /healthz's last look at the Codex login (health.cpp).
struct LoginCheck {
    bool checked = false;
    bool found = false;
    uint64_t checked_ms = 0;
};

struct ApiContext {
    uv_loop_t *loop;
    const Config &cfg;
    const ApiKeys &keys;
    const ModelNames &model_names;
    ResponseStore &responses;              // open once the daemon runs as its run user
    const std::string &codex_home;         // the configured CODEX_HOME
    const PrivateCodexHome &private_home;  // what codex runs with
    Metrics &metrics;
    Scheduler &scheduler;
    const HttpServer &http;  // its connections, counted by /metrics
    const bool &draining;    // shutdown began
    const uint64_t &started_ms;
    LoginCheck login = {};
};
