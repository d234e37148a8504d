// The long-lived `codex app-server` child: spawned like a `codex exec` run
// (its own session, the executor's allow-listed environment, RLIMIT_CPU,
// death with the executor), its pipes, and the end of its whole tree.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.h"

class AppServerProcess {
public:
    AppServerProcess() = default;
    ~AppServerProcess() { stop(50); }
    AppServerProcess(const AppServerProcess &) = delete;
    AppServerProcess &operator=(const AppServerProcess &) = delete;

    // Runs argv in dir with the executor's environment plus `extra_env`
    // (NAME=value, replacing a variable of that name); false with error set
    // when it could not be started.
    bool spawn(const std::vector<std::string> &argv, const std::vector<std::string> &extra_env, const std::string &dir,
               uint64_t cpu_seconds, std::string &error);
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    // The server's stdin and stdout, handed to the JSON-RPC client once.
    UniqueFd take_stdin() { return std::move(in_); }
    UniqueFd take_stdout() { return std::move(out_); }
    // Its stderr must be drained while it runs, or it blocks on a full pipe.
    int stderr_fd() const { return err_.get(); }
    void drain_stderr();
    const std::string &stderr_tail() const { return stderr_tail_; }
    // Readable once the server exited (-1 without pidfd support).
    int exit_fd() const { return pidfd_.get(); }
    // True once the server has exited (reaped here).
    bool exited();
    int wait_status() const { return status_; }
    // Resident memory of the server and every descendant, in KiB.
    uint64_t tree_rss_kb() const;
    // TERM to the whole tree, KILL after grace_ms to what is left, reaped. Idempotent.
    void stop(uint32_t grace_ms);

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    int status_ = 0;
    UniqueFd in_, out_, err_, pidfd_;
    std::string stderr_tail_;
};
