// The supervisor's claim on CODEX_PROXY_WORKDIR.
//
// Job directories live below it, so it must be ours alone: created 0700,
// refused when another user owns it (anyone could pre-create a path under
// /tmp to watch our jobs), and locked so that a second proxy configured
// with the same directory refuses to start instead of sweeping the first
// one's jobs. What a crash left behind is removed here, before any executor
// starts.
//
// Only a directory the proxy made is ever emptied: one it creates gets a
// marker file (.codex-proxyd.workdir, created O_EXCL); an existing one is
// taken only when it holds that marker, is empty (an operator's or a
// volume's mount point; not a world-writable one), or is a private (0700)
// directory of the run user with the lock file of an earlier version.
// Anything else (/tmp, a home directory) is refused and left untouched. The
// path must name the directory itself, without symbolic links anywhere in
// it, and everything after the check goes through the directory's fd.
#pragma once
#include <sys/types.h>

#include <string>

#include "common/unique_fd.h"

// On success lock holds the lock for the supervisor's life.
// owner: who must own it (the run user when started as root, else us).
bool work_directory_claim(const std::string &dir, uid_t owner_uid, gid_t owner_gid, UniqueFd &lock, int &swept,
                          std::string &error);

// Each executor's own subdirectory.
std::string work_directory_for_executor(const std::string &dir, int index);
