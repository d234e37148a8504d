#include "supervisor/jobs/executor_protocol.h"

namespace {

using P = ExecutorPhase;
using M = ipc::MsgType;

// Every legal move; anything else is a violation. Job, Cancel and Setup go
// the other way and are never legal from an executor.
const struct {
    P phase;
    M type;
    P next;
} kLegal[] = {
    {P::Starting, M::Ready, P::Idle},
    // An idle executor replacing its backend is starting again: no job
    // goes to it until its Ready (executor/backend.h).
    {P::Idle, M::Restarting, P::Starting},
    // A job crossed the executor's Restarting on the wire (the executor said
    // it while idle, the supervisor had sent the job meanwhile): the job runs
    // after the restart instead of costing the executor.
    {P::JobSent, M::Restarting, P::JobRestarting},
    {P::JobRestarting, M::Ready, P::JobSent},
    {P::JobSent, M::TextDelta, P::Message},
    {P::JobSent, M::MessageEnd, P::Job},
    {P::JobSent, M::Usage, P::Usage},
    {P::JobSent, M::Done, P::Idle},
    {P::JobSent, M::UsageWindows, P::Job},
    {P::Job, M::TextDelta, P::Message},
    {P::Job, M::MessageEnd, P::Job},
    {P::Job, M::Usage, P::Usage},
    {P::Job, M::Done, P::Idle},
    {P::Message, M::TextDelta, P::Message},
    {P::Message, M::MessageEnd, P::Job},
    {P::Usage, M::Done, P::Idle},
    // The account's usage windows may come anywhere in a job, and change nothing.
    {P::Job, M::UsageWindows, P::Job},
    {P::Message, M::UsageWindows, P::Message},
    {P::Usage, M::UsageWindows, P::Usage},
};

}  // namespace

const char *executor_phase_name(ExecutorPhase p) {
    switch (p) {
    case P::Starting: return "starting";
    case P::Idle: return "idle";
    case P::JobSent: return "job_sent";
    case P::JobRestarting: return "job_restarting";
    case P::Job: return "job";
    case P::Message: return "message";
    case P::Usage: return "usage";
    case P::Gone: return "gone";
    }
    return "unknown";
}

bool executor_protocol_step(ExecutorPhase phase, ipc::MsgType type, ExecutorPhase &next) {
    for (const auto &m : kLegal) {
        if (m.phase == phase && m.type == type) {
            next = m.next;
            return true;
        }
    }
    return false;
}
