// Ending every process a job started.
//
// A process group is not enough: codex's own sandbox (bubblewrap, with a new
// PID namespace) and anything calling setsid() leave the group. The executor
// is therefore a child subreaper, so every orphaned descendant is reparented
// to it, and "the job's processes" is exactly "all descendants of this
// executor" (it runs one job at a time and has no other children).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

// Live descendants of `root`, found from /proc's parent links.
std::vector<pid_t> process_tree_descendants(pid_t root);

// TERM to every descendant of this process, KILL after grace_ms to whatever
// is left, reaping all of them. Returns once this process has no children.
void process_tree_terminate(uint32_t grace_ms);
