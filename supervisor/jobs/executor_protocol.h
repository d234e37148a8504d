// Which frame from an executor is legal when, as the supervisor sees it.
//
// Like OpenSSH's monitor table (monitor.c's mon_dispatch): one table of
// phase x message type -> allowed, and the phase the message leads to. The
// slot judges every frame by it before the scheduler acts on it; a frame the
// table does not allow is a protocol violation (the executor is killed, its
// job answered as for a lost executor). The job phases are the text
// contract of executor/backend.h: (TextDelta* MessageEnd)* Usage? Done.
#pragma once
#include <cstdint>

#include "common/ipc_frame.h"

enum class ExecutorPhase : uint8_t {
    Starting,       // started (setup sent) or restarting its backend: only Ready
    Idle,           // ready, no job: only Restarting
    JobSent,        // a job sent, nothing heard of it yet
    JobRestarting,  // the executor said Restarting before it read the job: its Ready, then the job
    Job,            // a job under way, between messages
    Message,        // a message's deltas arriving
    Usage,          // the usage seen: only Done
    Gone,           // restarting or stopped: nothing
};
const char *executor_phase_name(ExecutorPhase p);

// True when type is legal in phase; next is then the phase it leads to.
bool executor_protocol_step(ExecutorPhase phase, ipc::MsgType type, ExecutorPhase &next);
