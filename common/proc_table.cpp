#include "common/proc_table.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// The comm field may hold spaces and parentheses: parse after the last ')'.
bool read_stat(const char *pid_name, ProcEntry &e) {
    FILE *f = fopen((std::string("/proc/") + pid_name + "/stat").c_str(), "re");
    if (!f) return false;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    int ppid = 0;
    if (!rp || sscanf(rp + 1, " %c %d", &e.state, &ppid) != 2) return false;
    e.pid = static_cast<pid_t>(atoi(pid_name));
    e.ppid = ppid;
    return true;
}

}  // namespace

std::vector<ProcEntry> proc_table() {
    std::vector<ProcEntry> out;
    DIR *d = opendir("/proc");
    if (!d) return out;
    while (struct dirent *de = readdir(d)) {
        ProcEntry e;
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && read_stat(de->d_name, e)) out.push_back(e);
    }
    closedir(d);
    return out;
}
