// What an executor gives up before it accepts its first job.
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>

struct ResourceLimits {
    uint64_t nofile = 4096;
    uint64_t fsize = 1ull << 30;
    uint64_t cpu_seconds = 900;  // set in each codex child, not the executor
};

// Refuses to run as root. Dies with the supervisor, becomes a child subreaper (see process_tree.h),
// turns core dumps off, sets umask 077 and closes every fd but keep_fd.
// Returns false with error set when the kernel refuses a step.
bool executor_harden(pid_t supervisor_pid, int keep_fd, const ResourceLimits &limits, std::string &error);
