// A job: one request's run of the backend, from queue to Done.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ipc_messages.h"

struct ExecutorSlot;

// A job has one absolute deadline, in the loop's monotonic milliseconds
// (uv_now): the queue's timeout, the executor's timeout and a retry's time
// are all what is left of it.
inline uint64_t ms_left(uint64_t deadline_ms, uint64_t now_ms) {
    return deadline_ms > now_ms ? deadline_ms - now_ms : 0;
}

struct JobResult {
    enum class Kind { Finished, ExecutorLost, ShuttingDown, QueueTimeout };
    Kind kind = Kind::Finished;
    ipc::DoneMsg done;  // valid when kind == Finished
    int64_t queue_ms = -1;
};

// Where a job's events go: the HTTP exchange that asked for it.
class JobSink {
public:
    virtual ~JobSink() = default;
    // The text contract (executor/backend.h), its order checked before
    // these are called: a message is its deltas followed by the rest that
    // ends it.
    virtual void job_text_delta(std::string_view text) = 0;
    virtual void job_message_end(std::string_view rest) = 0;
    virtual void job_usage(const ipc::UsageMsg &u) = 0;
    // The last call; the job is freed right after it.
    virtual void job_done(const JobResult &r) = 0;
};

struct Job {
    uint64_t id = 0;
    ipc::JobMsg msg;
    JobSink *sink = nullptr;  // null once the client has gone
    uint64_t enqueued_ms = 0;
    uint64_t deadline_ms = 0;  // bounds its whole life, queue included
    uint64_t started_ms = 0;
    ExecutorSlot *slot = nullptr;  // set while running
};
