#include "executor/process_tree.h"

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

void process_tree_terminate(uint32_t grace_ms) {
    pid_t self = getpid();
    auto pids = process_tree_descendants(self);
    if (!pids.empty()) signal_all(pids, SIGTERM);
    uint64_t deadline = now_ms() + grace_ms;
    while (now_ms() < deadline) {
        reap_all_nohang();
        if (process_tree_descendants(self).empty()) break;
        usleep(5000);
    }
    // KILL in rounds: killing a parent reparents its children to us (the
    // subreaper), where the next round finds them.
    for (int round = 0; round < 1000; round++) {
        pids = process_tree_descendants(self);
        if (pids.empty()) break;
        signal_all(pids, SIGKILL);
        usleep(1000);
        reap_all_nohang();
    }
    while (has_children()) {
        if (waitpid(-1, nullptr, 0) < 0 && errno != EINTR) break;
    }
}
