#include "executor/hardening.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

bool fail(std::string &error, const char *what) {
    error = std::string(what) + ": " + strerror(errno);
    return false;
}

// Keeps 0-2 (pointed at /dev/null or the log) and keep_fd; closes the rest.
void close_other_fds(int keep_fd) {
    if (keep_fd > 3) close_range(3, static_cast<unsigned>(keep_fd - 1), 0);
    close_range(static_cast<unsigned>(keep_fd + 1), ~0u, 0);
}

}  // namespace

bool executor_refuse_root(std::string &error) {
    // The supervisor starts executors as its run user; root here means a
    // broken setup, and codex must not run with root's powers.
    if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0) {
        errno = EPERM;
        return fail(error, "refusing to run as root or group 0");
    }
    return true;
}

bool executor_harden(const ExecutorSetup &setup, std::string &error) {
    if (!executor_refuse_root(error)) return false;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return fail(error, "PR_SET_PDEATHSIG");
    // The supervisor may have died before PDEATHSIG was armed.
    if (getppid() != static_cast<pid_t>(setup.supervisor_pid)) {
        errno = ESRCH;
        return fail(error, "supervisor gone");
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return fail(error, "PR_SET_CHILD_SUBREAPER");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(error, "PR_SET_NO_NEW_PRIVS");
    // Soft and hard alike, so codex cannot raise them. Not RLIMIT_NPROC
    // (counted per uid across every job) nor RLIMIT_AS (Rust and V8 reserve
    // large address ranges they never touch).
    struct rlimit no_core = {0, 0};
    struct rlimit nofile = {setup.rlimit_nofile, setup.rlimit_nofile};
    struct rlimit fsize = {setup.rlimit_fsize, setup.rlimit_fsize};
    if (setrlimit(RLIMIT_CORE, &no_core) != 0) return fail(error, "RLIMIT_CORE");
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) return fail(error, "RLIMIT_NOFILE");
    if (setrlimit(RLIMIT_FSIZE, &fsize) != 0) return fail(error, "RLIMIT_FSIZE");
    umask(077);
    close_other_fds(kExecutorChannelFd);
    // A dead peer must be an error return from write, not a signal.
    signal(SIGPIPE, SIG_IGN);
    return true;
}
