// Jobs in, executors out: a bounded FIFO queue in front of a fixed set of
// prefork executors.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/codex/token_refresh_gate.h"
#include "supervisor/jobs/executor_slot.h"
#include "supervisor/jobs/job.h"
#include "supervisor/jobs/jobs_context.h"

class Scheduler : public SlotOwner {
public:
    explicit Scheduler(JobsContext ctx);
    ~Scheduler() override;

    void start();  // spawns every executor

    enum class Submit { Accepted, QueueFull, ShuttingDown };
    // On Accepted, *out is the job; it lives until sink->job_done or cancel().
    // deadline_ms (job.h) bounds the job's whole life, queue included;
    // msg.timeout_ms is set from it when the job starts.
    Submit submit(JobSink *sink, ipc::JobMsg msg, uint64_t deadline_ms, Job **out);
    // The client left: a queued job is dropped without running, a running
    // one is cancelled; the sink hears nothing more either way.
    void cancel(Job *job);
    // Shutdown grace is over: every job ends now with ShuttingDown.
    void fail_all();
    // Closes every executor's channel; they exit. Idempotent.
    void stop_executors();
    bool idle() const;  // no job queued or running
    bool all_stopped() const;
    void kill_all();
    // A reload: every executor is replaced, an idle one now, a busy one
    // once its job ends; none is stopped with a job, and jobs keep queueing.
    void restart_executors();
    // Replaces the executors marked by restart_executors that are idle now.
    void restart_idle_marked();
    // Closes the scheduler's own timers at the very end.
    void close_handles();

    struct Counts {
        int idle = 0, busy = 0, starting = 0, restarting = 0;
        size_t queued = 0;
    };
    Counts counts() const;
    std::vector<pid_t> executor_pids() const override;  // of the executors alive
    const ExecutorSlot &slot(size_t i) const { return *slots_[i]; }

    // From executor slots (SlotOwner).
    const char *slot_frame(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload) override;
    void slot_lost(ExecutorSlot &s) override;
    void slot_stopped(ExecutorSlot &s) override;

private:
    void pump();
    void dispatch(ExecutorSlot &s, Job *job);
    void finish(Job *job, const JobResult &r);
    void sweep_queue();
    const char *job_frame(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload);
    const char *job_crossed_restart(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload);

    JobsContext ctx_;
    std::vector<std::unique_ptr<ExecutorSlot>> slots_;
    std::deque<Job *> queue_;
    std::vector<ExecutorSlot *> restart_marked_;
    uv_timer_t sweep_timer_;
    uint64_t next_job_id_ = 1;
    std::unique_ptr<TokenRefreshGate> refresh_gate_;
};
