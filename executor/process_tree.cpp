#include "executor/process_tree.h"

#include "common/monotonic.h"
#include "common/proc_table.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <unordered_map>

namespace {

constexpr uint64_t kKillRoundsMs = 1000;

void reap_all_nohang() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {}
}

void signal_all(const std::vector<pid_t> &pids, int sig) {
    for (pid_t p : pids) kill(p, sig);
}

bool has_children() {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace

std::vector<pid_t> process_tree_descendants(pid_t root) {
    std::unordered_multimap<pid_t, pid_t> children;
    for (const ProcEntry &e : proc_table())
        if (e.state != 'Z') children.emplace(e.ppid, e.pid);
    std::vector<pid_t> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty()) {
        pid_t p = todo.back();
        todo.pop_back();
        auto range = children.equal_range(p);
        for (auto it = range.first; it != range.second; ++it) {
            out.push_back(it->second);
            todo.push_back(it->second);
        }
    }
    return out;
}

void process_tree_signal(uint32_t grace_ms) {
    pid_t self = getpid();
    auto pids = process_tree_descendants(self);
    if (pids.empty()) return;
    signal_all(pids, SIGTERM);
    uint64_t deadline = monotonic_ms() + grace_ms;
    while (monotonic_ms() < deadline) {
        reap_all_nohang();
        if (process_tree_descendants(self).empty()) return;
        usleep(5000);
    }
    // KILL in rounds: killing a parent reparents its children to us (the
    // subreaper), where the next round finds them. Bounded in time, since
    // a process in uninterruptible I/O dies only when the I/O ends.
    uint64_t give_up = monotonic_ms() + kKillRoundsMs;
    while (monotonic_ms() < give_up) {
        pids = process_tree_descendants(self);
        if (pids.empty()) return;
        signal_all(pids, SIGKILL);
        usleep(2000);
        reap_all_nohang();
    }
}

bool process_tree_reap(uint32_t wait_ms) {
    uint64_t give_up = monotonic_ms() + wait_ms;
    for (;;) {
        reap_all_nohang();
        if (!has_children()) return true;
        if (monotonic_ms() >= give_up) return false;
        signal_all(process_tree_descendants(getpid()), SIGKILL);
        usleep(5000);
    }
}

bool process_tree_terminate(uint32_t grace_ms, uint32_t reap_wait_ms) {
    process_tree_signal(grace_ms);
    return process_tree_reap(reap_wait_ms);
}
