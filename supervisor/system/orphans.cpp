#include "supervisor/system/orphans.h"

#include "common/monotonic.h"
#include "common/proc_table.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace {

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    for (const ProcEntry &e : proc_table())
        if (e.ppid == parent) out.push_back(e.pid);
    return out;
}

}  // namespace

bool orphans_adopt() { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

int orphans_terminate(const std::vector<pid_t> &keep, int budget_ms) {
    int ended = 0;
    uint64_t give_up = monotonic_ms() + static_cast<uint64_t>(budget_ms);
    for (;;) {
        std::vector<pid_t> strays;
        for (pid_t p : children_of(getpid()))
            if (std::find(keep.begin(), keep.end(), p) == keep.end()) strays.push_back(p);
        if (strays.empty() || monotonic_ms() >= give_up) return ended;
        for (pid_t p : strays) kill(p, SIGKILL);
        usleep(2000);
        // Only these pids: libuv reaps its own (the executors) itself.
        for (pid_t p : strays)
            if (waitpid(p, nullptr, WNOHANG) == p) ended++;
    }
}
