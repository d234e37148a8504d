#include "executor/process_tree.h"

#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

constexpr uint64_t kKillRoundsMs = 1000;
constexpr uint32_t kReapWaitMs = 30000;

// ppid from /proc/<pid>/stat; the comm field may hold spaces and parens,
// so parse from the last ')'.
bool read_ppid(const char *pid_name, pid_t &ppid, char &state) {
    std::string path = std::string("/proc/") + pid_name + "/stat";
    FILE *f = fopen(path.c_str(), "re");
    if (!f) return false;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    if (!rp) return false;
    int p = 0;
    if (sscanf(rp + 1, " %c %d", &state, &p) != 2) return false;
    ppid = p;
    return true;
}

void reap_all_nohang() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

uint64_t now_ms() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
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
    DIR *d = opendir("/proc");
    if (!d) return {};
    while (struct dirent *e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        pid_t ppid;
        char state;
        if (read_ppid(e->d_name, ppid, state) && state != 'Z')
            children.emplace(ppid, static_cast<pid_t>(atoi(e->d_name)));
    }
    closedir(d);
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
    uint64_t deadline = now_ms() + grace_ms;
    while (now_ms() < deadline) {
        reap_all_nohang();
        if (process_tree_descendants(self).empty()) return;
        usleep(5000);
    }
    // KILL in rounds: killing a parent reparents its children to us (the
    // subreaper), where the next round finds them. Bounded in time, since
    // a process in uninterruptible I/O dies only when the I/O ends.
    uint64_t give_up = now_ms() + kKillRoundsMs;
    while (now_ms() < give_up) {
        pids = process_tree_descendants(self);
        if (pids.empty()) return;
        signal_all(pids, SIGKILL);
        usleep(2000);
        reap_all_nohang();
    }
}

bool process_tree_reap(uint32_t wait_ms) {
    uint64_t give_up = now_ms() + wait_ms;
    for (;;) {
        reap_all_nohang();
        if (!has_children()) return true;
        if (now_ms() >= give_up) return false;
        signal_all(process_tree_descendants(getpid()), SIGKILL);
        usleep(5000);
    }
}

void process_tree_terminate(uint32_t grace_ms) {
    process_tree_signal(grace_ms);
    if (!process_tree_reap(kReapWaitMs))
        LogLine("executor", "error", "job processes still not reaped; going on").kv("waited_ms", kReapWaitMs).emit();
}
