// Confining writes with Landlock: after landlock_restrict_writes(), this
// process and everything it starts (codex) may create, change or remove
// files only beneath the given directories. Reads are not restricted.
//
// Landlock also forbids mount() and pivot_root(), which codex's own command
// sandbox (bubblewrap) needs: a command the model asks codex to run fails
// instead of running. Answering needs none.
#pragma once
#include <string>
#include <vector>

enum class LandlockResult { Applied, Unsupported, Failed };

// Directories that do not exist are left out. error is set on Failed.
LandlockResult landlock_restrict_writes(const std::vector<std::string> &writable, std::string &error);
// The kernel's Landlock ABI version, or 0 when it has none.
int landlock_abi();
