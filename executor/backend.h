// The seam between the executor and whatever produces model answers.
//
// A backend turns one job into backend-neutral events (text deltas,
// finished messages, usage) and an outcome. Today the only backend runs
// `codex exec` once per job; a long-lived `codex app-server` backend is meant
// to slot in here without the supervisor or the IPC message set changing.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "common/ipc_messages.h"

// What a backend may do while it runs a job.
class JobChannel {
public:
    virtual ~JobChannel() = default;
    // The backend polls this fd for POLLIN and then calls control_ready().
    virtual int control_fd() const = 0;
    // True when the job must stop now: cancelled, or the supervisor is gone.
    virtual bool control_ready() = 0;
    virtual void text_delta(std::string_view text) = 0;
    virtual void message(std::string_view text) = 0;
    virtual void usage(const ipc::UsageMsg &u) = 0;
    // The account's usage windows, whenever the backend learns them (any
    // number of times, anywhere in the job); at most kMaxUsageWindows.
    virtual void usage_windows(const ipc::UsageWindowsMsg &w) = 0;
};

struct BackendOptions {
    std::string codex_bin;
    std::string model_catalog;  // codex's model_catalog_json; empty: codex's own
    uint32_t kill_grace_ms = 50;
    uint64_t cpu_seconds = 900;  // RLIMIT_CPU of each codex run: a backstop
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual const char *name() const = 0;
    // Runs one job in job_dir, a fresh private directory, to its end.
    virtual ipc::DoneMsg run(const ipc::JobMsg &job, const std::string &job_dir, JobChannel &ch) = 0;
};

std::unique_ptr<Backend> make_codex_exec_backend(const BackendOptions &opts);
