// The seam between the executor and whatever produces model answers.
//
// A backend turns one job into backend-neutral events (text, the end of a
// message, usage) and an outcome. It is chosen by name (make_backend) and
// has a lifecycle, so it may keep long-lived children (a `codex app-server`)
// across jobs: the job loop (job_loop.h) starts it before Ready, asks its
// health between jobs, replaces it (stop, start) when it asks to be, and
// stops it on exit.
//
// What a backend still gets from the supervisor, and what a second one
// must accept or change there: the job's prompt is one text rendered for
// codex (supervisor/codex/prompt.cpp: the transcript, tool and schema
// instructions, images referred to as codex's `[Image #N]` labels, in the
// order of JobMsg::images); its size is checked against codex's input
// limit by the supervisor; the answer is checked by the supervisor
// (answer_parse) from the job's message text. A backend that speaks to
// codex (exec, app-server) needs no supervisor change; one that speaks to
// something else must take that prompt as it is.
//
// Details of SEAM_SPEC.md's shape as built: the setup arrives as the first
// frame (ipc::MsgType::Setup) and reaches the backend as ExecutorSetup;
// a restart after Recycle/Failed is tried JobLoopOptions::restart_attempts
// times with a doubling backoff, then the executor exits 1.
//
// No request waits for a recycle it did not cause (job_loop.cpp):
// - health() is asked after each job's Done; a recycle it asks for (turn or
//   RSS limit, a server that died or misbehaved during the job) is then
//   announced like an idle one, so not even the request that caused it
//   waits (its answer is already out).
// - A recycle while idle (idle limit, death or flood noticed between jobs)
//   is announced: Restarting (empty payload), then the restart, then Ready
//   with the executor's pid. The supervisor treats the executor as starting
//   meanwhile (supervisor/jobs/executor_protocol.cpp) and sends its jobs to
//   others or keeps them queued. A job already waiting on the channel when
//   an idle check fails runs first (its Done then waits for the recycle);
//   one the supervisor sends in the instant between that look and its
//   reading Restarting crosses it on the wire: the supervisor's table lets
//   a job it has heard nothing of take a Restarting and a Ready, and the job
//   runs after the restart (it waits for one it did not cause, a window of
//   microseconds, rather than fail).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "common/executor_setup.h"
#include "common/ipc_messages.h"

// What a backend may do while it runs a job.
class JobChannel {
public:
    virtual ~JobChannel() = default;
    // The backend polls this fd for POLLIN and then calls control_ready().
    virtual int control_fd() const = 0;
    // True when the job must stop now: cancelled, or the supervisor is gone.
    virtual bool control_ready() = 0;
    // The text contract, per message: text_delta()* then message_end(rest).
    // The message's text is its deltas followed by `rest` (the whole message
    // when nothing was streamed). Then usage() at most once, after every
    // message. The job loop sends Done after run() returns, closing a
    // message left open (a cancelled stream) with an empty rest. Calls out
    // of this order are dropped and logged here; the supervisor treats any
    // other order on the wire as a protocol error.
    virtual void text_delta(std::string_view piece) = 0;
    virtual void message_end(std::string_view rest) = 0;
    virtual void usage(const ipc::UsageMsg &u) = 0;
    // The account's usage windows, whenever the backend learns them (any
    // number of times, anywhere in the job); at most kMaxUsageWindows.
    virtual void usage_windows(const ipc::UsageWindowsMsg &w) = 0;
};

struct BackendHealth {
    enum class State { Ok, Recycle, Failed } state = State::Ok;
    std::string reason;  // for the log
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual const char *name() const = 0;  // "codex-exec", "codex-app-server": Ready carries it
    // Before the executor reports Ready: start and initialise long-lived
    // children. false: error set (the executor exits 1; the supervisor
    // restarts it with its backoff).
    virtual bool start(std::string &error) = 0;
    // One job in job_dir (fresh, private). Ends every process the JOB
    // started before returning; long-lived children the backend owns survive.
    virtual ipc::DoneMsg run(const ipc::JobMsg &job, const std::string &job_dir, JobChannel &ch) = 0;
    // Between jobs: after each job (before its Done), and every
    // idle_check_ms() while idle.
    // Recycle or Failed: the job loop calls stop() then start().
    virtual BackendHealth health() = 0;
    virtual int idle_check_ms() const { return -1; }  // -1: only after jobs
    // After a job's Done, and after an idle health() said Ok: work that
    // readies the next job while nobody waits for it (the app-server starts
    // the next request's thread). health() runs before Done, so it does not.
    virtual void prepare_next() {}
    // Ends every process the backend started, whole process trees, bounded
    // in time. Idempotent.
    virtual void stop() = 0;
};

// "exec" or "app-server" (ExecutorSetup::backend). nullptr: error set.
std::unique_ptr<Backend> make_backend(std::string_view name, const ExecutorSetup &setup, std::string &error);

// The registered backends (executor/make_backend.cpp calls them).
std::unique_ptr<Backend> make_codex_exec_backend(const ExecutorSetup &setup);
// Defined in executor/codex_app_server_backend.cpp, which the app-server
// backend replaces; until then it refuses with a clear error.
std::unique_ptr<Backend> make_codex_app_server_backend(const ExecutorSetup &setup, std::string &error);
