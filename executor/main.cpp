// codex-proxy-executor: runs jobs for codex-proxyd, one at a time.
//
// Started only by the supervisor, with its end of a Unix socket as fd
// kExecutorChannelFd, an environment that is already an allow-list, and
// everything else in the first frame on that socket (common/executor_setup.h).
#include <poll.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/executor_setup.h"
#include "common/landlock.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "executor/backend.h"
#include "executor/hardening.h"
#include "executor/job_dir.h"
#include "executor/job_loop.h"
#include "executor/process_tree.h"

namespace {

// The supervisor sends the setup as soon as it has started us.
constexpr int kSetupWaitMs = 10000;
// At exit, whatever is left is reaped for at most this long.
constexpr uint32_t kExitReapMs = 30000;

void usage(FILE *f) {
    fputs(
        "usage: codex-proxy-executor [--version | --help]\n"
        "Runs codex jobs for codex-proxyd over the Unix socket on fd 3, which also\n"
        "carries its settings. It is started by codex-proxyd and is not meant to be run by hand.\n",
        f);
}

// Everything comes on the channel; argv only asks for the version or help.
// Returns -1 to go on, else an exit code.
int handle_args(int argc, char **argv) {
    if (argc == 1) return -1;
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("codex-proxy-executor %s\n", CODEX_PROXY_VERSION);
        return 0;
    }
    bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
    usage(help ? stdout : stderr);
    return help ? 0 : 64;
}

// The first frame must be the setup.
bool receive_setup(ControlChannel &ctl, ExecutorSetup &setup, std::string &error) {
    uint64_t give_up = monotonic_ms() + kSetupWaitMs;
    for (;;) {
        ipc::FrameHeader h;
        std::string payload;
        ipc::FrameStatus st = ctl.next(h, payload);
        if (st == ipc::FrameStatus::Complete) {
            if (h.type != ipc::MsgType::Setup || h.job_id != 0) {
                error = std::string("expected a setup frame, got ") + ipc::msg_type_name(h.type);
                return false;
            }
            return executor_setup_decode(payload, setup, error);
        }
        uint64_t now = monotonic_ms();
        if (st == ipc::FrameStatus::Corrupt || now >= give_up) {
            error = st == ipc::FrameStatus::Corrupt ? "malformed setup frame" : "no setup from the supervisor";
            return false;
        }
        struct pollfd p = {ctl.fd(), POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(give_up - now)) > 0 && !ctl.read_available()) {
            error = "the supervisor closed the channel before the setup";
            return false;
        }
    }
}

// Codex runs with the setup's homes; nothing else in the environment names them.
bool set_codex_homes(const ExecutorSetup &s, std::string &error) {
    if (setenv("CODEX_HOME", s.codex_home.c_str(), 1) != 0 ||
        setenv("CODEX_SQLITE_HOME", s.sqlite_home.c_str(), 1) != 0) {
        error = "cannot set CODEX_HOME";
        return false;
    }
    return true;
}

// Codex may write only to this executor's job directories, its Codex home
// (refreshed tokens, skills), its SQLite directory, and /dev (/dev/null).
bool confine_writes(const ExecutorSetup &s, std::string &error) {
    if (!s.landlock) return true;
    std::vector<std::string> writable = {s.workdir, s.codex_home, s.sqlite_home, "/dev"};
    return landlock_restrict_writes(writable, error) != LandlockResult::Failed;
}

int cannot_start(const std::string &error) {
    LogLine("executor", "error", "cannot start").kv("error", error).emit();
    return 1;
}

}  // namespace

int main(int argc, char **argv) {
    int rc = handle_args(argc, argv);
    if (rc >= 0) return rc;
    std::string error;
    if (!executor_refuse_root(error)) return cannot_start(error);
    ControlChannel ctl(kExecutorChannelFd);
    if (!ctl.error().empty()) return cannot_start(ctl.error());
    ExecutorSetup setup;
    if (!receive_setup(ctl, setup, error)) return cannot_start("setup: " + error);
    if (!executor_harden(setup, error) || !set_codex_homes(setup, error) ||
        !job_dir_prepare_base(setup.workdir, error) || !confine_writes(setup, error))
        return cannot_start(error);
    auto backend = make_backend(setup.backend, setup, error);
    if (!backend) return cannot_start(error);
    JobLoopOptions jo;
    jo.workdir = setup.workdir;
    int code = job_loop_run(ctl, *backend, jo);
    // The executor's exit ends every process left below it, whatever started it.
    if (!process_tree_terminate(setup.kill_grace_ms, kExitReapMs))
        LogLine("executor", "error", "processes still not reaped at exit").kv("waited_ms", kExitReapMs).emit();
    return code;
}
