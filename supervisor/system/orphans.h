// What a dead executor leaves behind.
//
// Codex dies with its executor (PR_SET_PDEATHSIG), but a process a job
// started that left codex's process group and ignores SIGTERM would not:
// reparented to init, it would outlive everything. The supervisor is a
// child subreaper, so such orphans become its children instead, and when
// an executor dies it ends every child that is not an executor.
#pragma once
#include <sys/types.h>

#include <vector>

// Makes this process the subreaper of its descendants.
bool orphans_adopt();
// SIGKILLs and reaps every child of this process not in keep, round after
// round (killing one reparents its own children to us), for at most
// budget_ms. Returns how many it ended.
int orphans_terminate(const std::vector<pid_t> &keep, int budget_ms);
