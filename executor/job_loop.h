// The executor's life: start the backend, announce readiness, run jobs one
// at a time, keep the backend healthy between them, until the supervisor
// closes the channel.
#pragma once
#include <cstdint>
#include <string>

#include "executor/backend.h"
#include "executor/control_channel.h"

struct JobLoopOptions {
    std::string workdir;  // where each job's private directory is made
    // Replacing an unhealthy backend: this many start() attempts, waiting
    // first_backoff_ms, then twice as long each time, at most max_backoff_ms.
    int restart_attempts = 5;
    uint32_t first_backoff_ms = 100;
    uint32_t max_backoff_ms = 2000;
};

// Returns the process exit code: 0 when the supervisor hung up, 1 when the
// backend cannot be started (or restarted), 2 on a protocol violation.
// Calls backend.stop() before it returns; the executor's exit ends the rest.
int job_loop_run(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts);
