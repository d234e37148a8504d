// Dropping root, in the manner of OpenSSH's permanently_set_uid().
//
// Started as root, the supervisor binds its listener, claims the work
// directory and starts its executors (spawned directly as the run user),
// then becomes the run user itself: supplementary groups cleared, gid then
// uid set, and the result verified, including that root cannot be regained.
// Any failure is a refusal to start. Started as another user, nothing
// changes: executors run as that user.
#pragma once
#include <sys/types.h>

#include <string>

struct RunAs {
    bool drop = false;  // started as root: become uid/gid
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;  // the run user's home, for codex's HOME
};

// Decides from the effective uid and CODEX_PROXY_USER.
bool privileges_plan(const std::string &user, RunAs &r, std::string &error);
bool privileges_drop(const RunAs &r, std::string &error);
