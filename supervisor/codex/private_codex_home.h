// The Codex home codex actually runs with: writable, owned by the proxy,
// seeded from the configured CODEX_HOME, which is never written.
//
// Codex 0.169 writes state databases, logs and skills into its home on
// every run, fails on a read-only one, and with a read-only auth.json
// retries the token endpoint until it burns the single-use refresh token.
// So codex gets $CODEX_PROXY_STATE_DIR/codex-home:
//  - shared by every executor, so a token one run refreshed is the token
//    every later run uses (codex serialises refreshes under auth.lock,
//    re-reads auth.json first, and replaces it by rename), and kept across
//    restarts;
//  - with SQLite state kept apart per executor (CODEX_SQLITE_HOME), so
//    concurrent runs never share a database;
//  - re-seeded file by file when the operator changes the source (a new
//    `codex login`): what was seeded is remembered by content hash in the
//    state directory, so a source that did not change never overwrites a
//    refreshed token.
//
// The state directory is one proxy's alone: it is locked (flock on
// .codex-proxyd.lock inside it) before anything in it is touched, so a
// second proxy configured with, or defaulting to, the same directory refuses
// to start instead of handing the first one's private home to its own user.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/unique_fd.h"

struct SeededFile {
    std::string name;
    std::string hash;  // hex BLAKE2b of the source content last copied
    struct timespec mtime = {0, 0};
    off_t size = -1;
    ino_t ino = 0;
};

struct PrivateCodexHome {
    std::string source;  // the configured CODEX_HOME
    std::string state;   // CODEX_PROXY_STATE_DIR
    std::string dir;     // state/codex-home
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<SeededFile> seeded;
    UniqueFd lock;  // held for the supervisor's life
};

// CODEX_PROXY_STATE_DIR's default: /var/lib/codex-proxy for a proxy that
// drops from root, else $XDG_STATE_HOME (or ~/.local/state)/codex-proxy.
std::string private_home_default_state(bool dropping_root);
// Creates and locks the state directory, creates the private home (0700,
// owned by uid:gid) and seeds it. error names what failed.
bool private_home_prepare(PrivateCodexHome &h, std::string &error);
// Copies in what changed in the source since it was last seeded; returns
// the names re-seeded. Cheap when nothing changed (a stat per file).
std::vector<std::string> private_home_sync(PrivateCodexHome &h);
// Where executor `index` keeps its SQLite state.
std::string private_home_sqlite_dir(const PrivateCodexHome &h, int index);
// The files seeded from the source: codex's configuration and login, never
// its state (databases, logs, sessions, skills).
bool private_home_is_seeded_name(const std::string &name);
