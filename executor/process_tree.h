// Ending every process a job started.
//
// A process group is not enough: codex's own sandbox (bubblewrap, with a new
// PID namespace) and anything calling setsid() leave the group. The executor
// is therefore a child subreaper, so every orphaned descendant is reparented
// to it. A backend with no long-lived children (codex-exec) ends a job by
// ending every descendant; the executor's exit ends them all.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

// Live descendants of `root`, found from /proc's parent links.
std::vector<pid_t> process_tree_descendants(pid_t root);

// TERM to every descendant of this process, KILL after grace_ms to whatever
// is left. Returns once none is left alive, or after a bounded time.
void process_tree_signal(uint32_t grace_ms);
// Reaps every child, killing any still alive; false if some remain after
// wait_ms (stuck in uninterruptible I/O).
bool process_tree_reap(uint32_t wait_ms);
// Both; false if some could not be reaped within reap_wait_ms.
bool process_tree_terminate(uint32_t grace_ms, uint32_t reap_wait_ms);
