// codex-proxy-executor: runs jobs for codex-proxyd, one at a time.
//
// Started only by the supervisor, with its end of a Unix socket as fd 3 and
// an environment that is already an allow-list.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/log.h"
#include "executor/backend.h"
#include "executor/hardening.h"
#include "executor/job_dir.h"
#include "executor/job_loop.h"
#include "common/landlock.h"

namespace {

struct Args {
    int ipc_fd = 3;
    long supervisor_pid = 0;
    std::string codex_bin = "codex";
    std::string workdir = "/tmp/codex-work";
    std::string model_catalog;
    ResourceLimits limits;
    bool landlock = true;
};

void usage(FILE *f) {
    fputs("usage: codex-proxy-executor [--ipc-fd N] [--supervisor-pid PID]\n"
          "                            [--codex-bin PATH] [--workdir DIR] [--landlock 0|1]\n"
          "                            [--model-catalog FILE]\n"
          "                            [--rlimit-nofile N] [--rlimit-fsize BYTES] [--rlimit-cpu SECONDS]\n"
          "Runs codex jobs for codex-proxyd over the Unix socket on fd N (default 3).\n"
          "It is started by codex-proxyd and is not meant to be run by hand.\n",
          f);
}

// Returns -1 to go on, else an exit code.
int parse_args(int argc, char **argv, Args &a) {
    for (int i = 1; i < argc; i++) {
        std::string k = argv[i];
        if (k == "--version") return printf("codex-proxy-executor %s\n", CODEX_PROXY_VERSION), 0;
        if (k == "--help") return usage(stdout), 0;
        if (i + 1 >= argc) return usage(stderr), 64;
        const char *v = argv[++i];
        if (k == "--ipc-fd") a.ipc_fd = atoi(v);
        else if (k == "--supervisor-pid") a.supervisor_pid = atol(v);
        else if (k == "--codex-bin") a.codex_bin = v;
        else if (k == "--workdir") a.workdir = v;
        else if (k == "--model-catalog") a.model_catalog = v;
        else if (k == "--rlimit-nofile") a.limits.nofile = strtoull(v, nullptr, 10);
        else if (k == "--rlimit-fsize") a.limits.fsize = strtoull(v, nullptr, 10);
        else if (k == "--rlimit-cpu") a.limits.cpu_seconds = strtoull(v, nullptr, 10);
        else if (k == "--landlock") a.landlock = strcmp(v, "0") != 0;
        else return usage(stderr), 64;
    }
    return a.ipc_fd >= 3 ? -1 : (usage(stderr), 64);
}

// Codex may write only to this executor's job directories, its Codex home
// (refreshed tokens, skills), its SQLite directory, and /dev (/dev/null).
bool confine_writes(const Args &a, std::string &error) {
    if (!a.landlock) return true;
    const char *home = getenv("CODEX_HOME");
    const char *user_home = getenv("HOME");
    std::string codex_home = home && *home ? home : std::string(user_home ? user_home : "") + "/.codex";
    const char *sqlite_home = getenv("CODEX_SQLITE_HOME");
    std::vector<std::string> writable = {a.workdir, codex_home, "/dev"};
    if (sqlite_home && *sqlite_home) writable.push_back(sqlite_home);
    return landlock_restrict_writes(writable, error) != LandlockResult::Failed;
}

}  // namespace

int main(int argc, char **argv) {
    Args a;
    int rc = parse_args(argc, argv, a);
    if (rc >= 0) return rc;
    std::string error;
    if (!executor_harden(static_cast<pid_t>(a.supervisor_pid), a.ipc_fd, a.limits, error) ||
        !job_dir_prepare_base(a.workdir, error) || !confine_writes(a, error)) {
        LogLine("executor", "error", "cannot start").kv("error", error).emit();
        return 1;
    }
    ControlChannel ctl(a.ipc_fd);
    if (!ctl.error().empty()) {
        LogLine("executor", "error", "cannot start").kv("error", ctl.error()).emit();
        return 1;
    }
    BackendOptions bo;
    bo.codex_bin = a.codex_bin;
    bo.model_catalog = a.model_catalog;
    bo.cpu_seconds = a.limits.cpu_seconds;
    auto backend = make_codex_exec_backend(bo);
    JobLoopOptions jo;
    jo.workdir = a.workdir;
    return job_loop_run(ctl, *backend, jo);
}
