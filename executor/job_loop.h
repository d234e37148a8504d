// The executor's life: announce readiness, then run jobs one at a time
// until the supervisor closes the channel.
#pragma once
#include <string>

#include "executor/backend.h"
#include "executor/control_channel.h"

struct JobLoopOptions {
    std::string workdir;
    uint32_t kill_grace_ms = 50;
};

// Returns the process exit code: 0 when the supervisor hung up, 2 on a
// protocol violation.
int job_loop_run(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts);
