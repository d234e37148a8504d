// What an executor gives up before it accepts its first job.
#pragma once
#include <string>
#include <sys/types.h>

// Refuses to run as root. Dies with the supervisor, becomes a child subreaper (see process_tree.h),
// turns core dumps off, sets umask 077 and closes every fd but keep_fd.
// Returns false with error set when the kernel refuses a step.
bool executor_harden(pid_t supervisor_pid, int keep_fd, std::string &error);
