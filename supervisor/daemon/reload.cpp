#include "supervisor/daemon/reload.h"

#include <arpa/inet.h>

#include <cstdlib>

#include "common/log.h"
#include "supervisor/auth/api_key_sources.h"
#include "supervisor/codex/codex_login.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/system/sd_notify.h"

namespace {

bool listens_beyond_loopback(const App &app) {
    if (app.http.is_unix) return false;
    in_addr v4;
    in6_addr v6;
    if (inet_pton(AF_INET, app.cfg.host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) != 127;
    if (inet_pton(AF_INET6, app.cfg.host.c_str(), &v6) == 1)
        return !IN6_IS_ADDR_LOOPBACK(&v6) && !(IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return true;
}

void reload_keys(App &app) {
    ApiKeys fresh = app.env_keys;
    std::string error;
    if (!api_key_sources_load_files(app.cfg, fresh, error)) {
        LogLine("supervisor", "error", "reload: API keys not reloaded; the previous keys stay in force")
            .kv("error", error)
            .emit();
        return;
    }
    // The same rule as at start: whatever the login can do, anyone who
    // reaches the port could do.
    if (!fresh.enabled() && app.keys.enabled() && listens_beyond_loopback(app) && !app.cfg.allow_unauthenticated) {
        LogLine("supervisor", "error",
                "reload: no API key left for a listener beyond loopback; the previous keys stay in force")
            .emit();
        return;
    }
    app.keys = fresh;
    LogLine("supervisor", "info", "reload: API keys reloaded")
        .kv("auth", app.keys.enabled() ? "api_key" : "none")
        .emit();
}

void reload_login(App &app) {
    for (const auto &name : private_home_sync(app.private_home))
        LogLine("supervisor", "info", "re-seeded the private Codex home").kv("file", name).emit();
    if (codex_login_missing(app.codex_home, app.private_home.dir, app.cfg.pass_env))
        LogLine("supervisor", "warn", codex_login_hint()).kv("codex_home", app.codex_home).emit();
}

void reload_codex_binary(App &app) {
    app.codex = codex_binary_resolve(app.cfg.codex_bin, getenv("PATH"));
    LogLine("supervisor", "info", "codex_bin")
        .kv("path", app.codex.path)
        .kv("native", app.codex.native ? "true" : "false")
        .emit();
}

}  // namespace

void reload_run(App &app) {
    if (app.draining) return;
    LogLine("supervisor", "info", "reloading").emit();
    sd_notify_send(app.notify_socket, "RELOADING=1\n" + sd_notify_monotonic_usec());
    reload_keys(app);
    reload_login(app);
    reload_codex_binary(app);
    app.scheduler->restart_executors();
    sd_notify_send(app.notify_socket, "READY=1");
    LogLine("supervisor", "info", "reloaded").emit();
}
