// One executor process as the supervisor sees it: the process, its end of
// the Unix socket, and what it is doing.
#pragma once
#include <uv.h>

#include <string>
#include <vector>

#include "common/ipc_frame.h"
#include "supervisor/jobs/executor_protocol.h"

struct ExecutorSlot;
struct Job;
struct JobsContext;

// What a slot reports to: the scheduler, which the slot knows only through
// this, so that the two do not include each other.
class SlotOwner {
public:
    virtual ~SlotOwner() = default;
    // A frame the slot's state does not allow is a protocol violation: the
    // answer names it (nullptr: the frame was fine).
    virtual const char *slot_frame(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload) = 0;
    virtual void slot_lost(ExecutorSlot &s) = 0;
    virtual void slot_stopped(ExecutorSlot &s) = 0;
    // The executors alive: their processes are not orphans.
    virtual std::vector<pid_t> executor_pids() const = 0;
};

struct ExecutorSlot {
    enum class State { Starting, Idle, Busy, Restarting, Stopped };

    SlotOwner *owner = nullptr;
    const JobsContext *ctx = nullptr;
    int index = 0;
    State state = State::Restarting;
    uv_process_t process;
    uv_pipe_t channel;
    uv_timer_t timer;      // restart backoff, or the backstop of a running job
    int handles_open = 0;  // process + channel, while alive
    ipc::FrameReader reader;
    Job *job = nullptr;
    ExecutorPhase job_phase = ExecutorPhase::Job;  // while Busy: where the job's text contract is
    uint64_t spawned_ms = 0;
    uint32_t backoff_ms = 0;
    int pid = 0;
    bool running = false;  // the process exists and has not been reaped
};

// An executor that does not say Ready this long after starting (or after
// saying Restarting) is as good as dead.
constexpr uint64_t kExecutorReadyBackstopMs = 10000;

// The slot's phase in executor_protocol.h's table.
ExecutorPhase executor_slot_phase(const ExecutorSlot &s);
// Starts the executor process and sends its setup; on failure schedules a retry.
void executor_slot_spawn(ExecutorSlot &s);
bool executor_slot_send(ExecutorSlot &s, ipc::MsgType type, uint64_t job_id, const std::string &payload);
// SIGKILL: used when the executor is wedged or spoke garbage.
void executor_slot_kill(ExecutorSlot &s);
// Closes the channel; an idle executor exits on EOF.
void executor_slot_stop(ExecutorSlot &s);
void executor_slot_arm_backstop(ExecutorSlot &s, uint64_t ms);
