// Everything an executor is given, in one place: the supervisor fills it
// (supervisor/jobs/executor_slot.cpp), sends it as the first frame on the
// channel (ipc::MsgType::Setup), and the executor decodes it before it
// hardens itself. Each default is written here once; common/config.h takes
// the operator-facing ones from here.
#pragma once
#include <cstdint>
#include <string>

// The executor's end of its Unix socket to the supervisor.
constexpr int kExecutorChannelFd = 3;

namespace executor_defaults {
constexpr uint32_t kRlimitNofile = 4096;
constexpr uint32_t kRlimitFsizeMb = 1024;
constexpr uint32_t kRlimitCpuSeconds = 900;  // set in each codex child, not the executor
constexpr uint32_t kKillGraceMs = 50;
constexpr uint32_t kAppServerMaxTurns = 500;
constexpr uint32_t kAppServerMaxRssMb = 1024;
constexpr uint32_t kAppServerMaxIdleMs = 15 * 60 * 1000;
}  // namespace executor_defaults

struct ExecutorSetup {
    uint32_t supervisor_pid = 0;   // the executor dies with it (PR_SET_PDEATHSIG, then a check)
    std::string backend = "exec";  // "exec" | "app-server" (CODEX_PROXY_BACKEND)
    std::string codex_bin;         // resolved by the supervisor
    std::string workdir;           // this executor's own work directory
    std::string model_catalog;     // codex's model_catalog_json; empty: codex's own
    std::string codex_home;        // the private Codex home: CODEX_HOME, writable under Landlock
    std::string sqlite_home;       // this executor's CODEX_SQLITE_HOME, writable under Landlock
    uint64_t rlimit_nofile = executor_defaults::kRlimitNofile;
    uint64_t rlimit_fsize = uint64_t{executor_defaults::kRlimitFsizeMb} << 20;  // bytes
    uint64_t rlimit_cpu_seconds = executor_defaults::kRlimitCpuSeconds;
    bool landlock = true;
    uint32_t kill_grace_ms = executor_defaults::kKillGraceMs;                  // TERM, then KILL after this
    uint32_t app_server_max_turns = executor_defaults::kAppServerMaxTurns;     // recycle after N turns
    uint32_t app_server_max_rss_mb = executor_defaults::kAppServerMaxRssMb;    // recycle above
    uint32_t app_server_max_idle_ms = executor_defaults::kAppServerMaxIdleMs;  // recycle when idle longer
};

// False, with why, for a setup no executor should run with (a relative
// path, a zero limit, an unknown backend, ...).
bool executor_setup_valid(const ExecutorSetup &s, std::string &why);

std::string executor_setup_encode(const ExecutorSetup &s);
// Strict: a short payload, leftover bytes or a value executor_setup_valid
// refuses all fail.
bool executor_setup_decode(const std::string &payload, ExecutorSetup &s, std::string &why);
