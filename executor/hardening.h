// What an executor gives up before it accepts its first job.
#pragma once
#include <string>

#include "common/executor_setup.h"

// Refuses to run as root or group 0 (checked first, before anything is read).
bool executor_refuse_root(std::string &error);
// Dies with the supervisor (setup.supervisor_pid), becomes a child subreaper
// (see process_tree.h), turns core dumps off, sets the setup's limits,
// umask 077 and closes every fd but kExecutorChannelFd.
// Returns false with error set when the kernel refuses a step.
bool executor_harden(const ExecutorSetup &setup, std::string &error);
