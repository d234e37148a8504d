#include "common/executor_setup.h"

#include "common/ipc_codec.h"

namespace {

bool absolute(const std::string &p) { return !p.empty() && p[0] == '/'; }

bool fail(std::string &why, const char *what) {
    why = what;
    return false;
}

}  // namespace

bool executor_setup_valid(const ExecutorSetup &s, std::string &why) {
    if (s.supervisor_pid == 0) return fail(why, "no supervisor pid");
    if (s.backend != "exec" && s.backend != "app-server") return fail(why, "unknown backend");
    if (s.codex_bin.empty()) return fail(why, "no codex binary");
    if (!absolute(s.workdir)) return fail(why, "work directory not absolute");
    if (!s.model_catalog.empty() && !absolute(s.model_catalog)) return fail(why, "model catalog not absolute");
    if (!absolute(s.codex_home)) return fail(why, "Codex home not absolute");
    if (!absolute(s.sqlite_home)) return fail(why, "SQLite home not absolute");
    if (s.rlimit_nofile == 0 || s.rlimit_fsize == 0 || s.rlimit_cpu_seconds == 0) return fail(why, "a zero limit");
    if (s.app_server_max_turns == 0 || s.app_server_max_rss_mb == 0 || s.app_server_max_idle_ms == 0)
        return fail(why, "a zero app-server limit");
    return true;
}

std::string executor_setup_encode(const ExecutorSetup &s) {
    return ipc::Builder()
        .u32(s.supervisor_pid)
        .str(s.backend)
        .str(s.codex_bin)
        .str(s.workdir)
        .str(s.model_catalog)
        .str(s.codex_home)
        .str(s.sqlite_home)
        .u64(s.rlimit_nofile)
        .u64(s.rlimit_fsize)
        .u64(s.rlimit_cpu_seconds)
        .u8(s.landlock ? 1 : 0)
        .u32(s.kill_grace_ms)
        .u32(s.app_server_max_turns)
        .u32(s.app_server_max_rss_mb)
        .u32(s.app_server_max_idle_ms)
        .take();
}

bool executor_setup_decode(const std::string &payload, ExecutorSetup &s, std::string &why) {
    ipc::Reader r(payload);
    s.supervisor_pid = r.u32();
    s.backend = r.str();
    s.codex_bin = r.str();
    s.workdir = r.str();
    s.model_catalog = r.str();
    s.codex_home = r.str();
    s.sqlite_home = r.str();
    s.rlimit_nofile = r.u64();
    s.rlimit_fsize = r.u64();
    s.rlimit_cpu_seconds = r.u64();
    uint8_t landlock = r.u8();
    s.kill_grace_ms = r.u32();
    s.app_server_max_turns = r.u32();
    s.app_server_max_rss_mb = r.u32();
    s.app_server_max_idle_ms = r.u32();
    if (!r.finish()) return fail(why, "setup payload short or with leftover bytes");
    if (landlock > 1) return fail(why, "landlock flag neither 0 nor 1");
    s.landlock = landlock == 1;
    return executor_setup_valid(s, why);
}
