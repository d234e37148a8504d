#include "supervisor/orphans.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    DIR *d = opendir("/proc");
    if (!d) return out;
    while (struct dirent *e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        FILE *f = fopen((std::string("/proc/") + e->d_name + "/stat").c_str(), "re");
        if (!f) continue;
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == parent)
            out.push_back(static_cast<pid_t>(atoi(e->d_name)));
    }
    closedir(d);
    return out;
}

long now_ms() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool orphans_adopt() { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

int orphans_terminate(const std::vector<pid_t> &keep, int budget_ms) {
    int ended = 0;
    long give_up = now_ms() + budget_ms;
    for (;;) {
        std::vector<pid_t> strays;
        for (pid_t p : children_of(getpid()))
            if (std::find(keep.begin(), keep.end(), p) == keep.end()) strays.push_back(p);
        if (strays.empty() || now_ms() >= give_up) return ended;
        for (pid_t p : strays) kill(p, SIGKILL);
        usleep(2000);
        // Only these pids: libuv reaps its own (the executors) itself.
        for (pid_t p : strays)
            if (waitpid(p, nullptr, WNOHANG) == p) ended++;
    }
}
