// What the scheduler and its executor slots need from the daemon, and no
// more. The daemon (daemon/app.h) owns every part and outlives them; the
// references follow a reload's changes (the codex binary, the settings).
#pragma once
#include <uv.h>

#include <functional>
#include <string>

#include "common/config.h"
#include "supervisor/codex/codex_binary.h"
#include "supervisor/codex/private_codex_home.h"
#include "supervisor/metrics/metrics.h"
#include "supervisor/system/privileges.h"

struct JobsContext {
    uv_loop_t *loop;
    const Config &cfg;
    const RunAs &run_as;             // whom executors run as
    PrivateCodexHome &private_home;  // re-seeded before each job
    const CodexBinary &codex;
    const std::string &executor_path;
    const std::string &model_catalog;
    Metrics &metrics;
    const bool &draining;            // shutdown began: no new job
    const bool &executors_stopping;  // an executor that ends is not restarted
    // A job ended, or an executor became ready or stopped: the daemon's
    // shutdown and readiness progress.
    std::function<void()> jobs_changed;
};
