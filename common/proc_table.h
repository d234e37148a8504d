// Parent links of every process, read from /proc, for walking process
// trees: the executor's job processes, the supervisor's orphans.
#pragma once
#include <sys/types.h>

#include <vector>

struct ProcEntry {
    pid_t pid;
    pid_t ppid;
    char state;  // 'Z' for a zombie
};

std::vector<ProcEntry> proc_table();
