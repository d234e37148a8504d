// codex-proxyd: an OpenAI-compatible HTTP API in front of the Codex CLI.
#include <http_parser.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstring>

#include "common/landlock.h"
#include "common/log.h"
#include "common/small_file.h"
#include "supervisor/auth/api_key_sources.h"
#include "supervisor/daemon/app.h"
#include "supervisor/codex/codex_binary.h"
#include "supervisor/codex/codex_model_catalog.h"
#include "supervisor/codex/codex_home.h"
#include "supervisor/codex/codex_login.h"
#include "supervisor/daemon/doctor.h"
#include "supervisor/system/executor_path.h"
#include "supervisor/daemon/lifecycle.h"
#include "supervisor/api/off_loop.h"
#include "supervisor/system/orphans.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/api/router.h"
#include "supervisor/system/work_directory.h"

namespace {

const char kUsage[] =
    "usage: codex-proxyd [--help] [--version]\n"
    "       codex-proxyd doctor [--run]   (also: --check [--run])\n"
    "\n"
    "Serves an OpenAI-compatible API on HOST:PORT (default 127.0.0.1:4017) and\n"
    "answers each request with a `codex exec` run. It is configured only through\n"
    "the environment; README.md lists every setting. Main ones:\n"
    "  PORT, HOST                    where to listen\n"
    "  CODEX_PROXY_API_KEY           bearer key required on /v1/* when set\n"
    "  CODEX_BIN, CODEX_MODEL        which codex to run, and with which model\n"
    "  CODEX_PROXY_MAX_CONCURRENCY   executors (codex runs at once), default 1\n"
    "  CODEX_PROXY_TIMEOUT_MS        time limit of one request, default 180000\n"
    "\n"
    "doctor checks the settings, codex, the login, the directories, the executor,\n"
    "Landlock, the listener and the API keys without starting the daemon, printing\n"
    "OK or PROBLEM (with a fix) for each; --run adds one real codex run. Exit\n"
    "status 1 when a check fails. SIGHUP reloads API keys and the login.\n";

bool prepare_private_home(App &app, uid_t uid, gid_t gid, std::string &error) {
    PrivateCodexHome &h = app.private_home;
    h.state = app.cfg.state_dir.empty() ? private_home_default_state(app.run_as.drop) : app.cfg.state_dir;
    if (app.cfg.state_dir.empty()) {  // the default's parents may not exist yet
        std::string parent = h.state.substr(0, h.state.rfind('/'));
        for (size_t i = 1; i <= parent.size(); i++)
            if (i == parent.size() || parent[i] == '/') mkdir(parent.substr(0, i).c_str(), 0755);
    }
    h.source = app.codex_home;
    h.uid = uid;
    h.gid = gid;
    if (!private_home_prepare(h, error)) {
        error = "CODEX_PROXY_STATE_DIR: " + error;
        return false;
    }
    return true;
}

bool write_model_catalog(App &app, uid_t uid, gid_t gid, std::string &error) {
    std::string toml;
    small_file_read(app.private_home.dir + "/config.toml", toml, 1u << 20, false);  // absent: no model named
    std::vector<std::string> slugs = codex_catalog_slugs(app.model_names, toml);
    app.model_catalog = app.private_home.dir + "/codex-proxy-models.json";
    if (!small_file_replace(app.model_catalog, codex_catalog_json(slugs), uid, gid)) {
        error = "cannot write " + app.model_catalog + ": " + strerror(errno);
        return false;
    }
    return true;
}

bool setup(App &app, std::string &error) {
    if (!config_load(config_getenv, nullptr, app.cfg, error)) return false;
    if (const char *n = getenv("NOTIFY_SOCKET")) app.notify_socket = n;
    unsetenv("NOTIFY_SOCKET");  // for this process alone
    app.executor_path = executor_path_find(app.cfg.executor_path);
    if (access(app.executor_path.c_str(), X_OK) != 0) {
        error = "executor not found at " + app.executor_path + " (set CODEX_PROXY_EXECUTOR)";
        return false;
    }
    app.codex = codex_binary_resolve(app.cfg.codex_bin, getenv("PATH"));
    app.model_names.default_model = app.cfg.codex_model;
    if (!model_names_parse(app.cfg.models, app.cfg.model_map, app.cfg.unknown_model, app.model_names, error))
        return false;
    if (!privileges_plan(app.cfg.user, app.run_as, error)) return false;
    int swept = 0;
    uid_t owner = app.run_as.drop ? app.run_as.uid : geteuid();
    gid_t group = app.run_as.drop ? app.run_as.gid : getegid();
    if (!work_directory_claim(app.cfg.workdir, owner, group, app.workdir_lock, swept, error)) return false;
    if (swept)
        LogLine("supervisor", "warn", "removed job directories left by an earlier run").kv("count", swept).emit();
    app.codex_home = codex_home_resolve(app.cfg.codex_home);
    if (!prepare_private_home(app, owner, group, error) || !write_model_catalog(app, owner, group, error)) return false;
    if (!app.cfg.api_key.empty()) app.env_keys.add(app.cfg.api_key);
    bool keys_ok = api_key_sources_load(app.cfg, app.keys, error);
    api_key_sources_scrub_environment();
    if (!keys_ok) return false;
    // http-parser's own limit (a process-wide setting) stays above ours so
    // that ours decides, and answers 431.
    http_parser_set_max_header_size(std::max<uint32_t>(80 * 1024, app.cfg.max_header_bytes * 2 + 1024));
    return true;
}

void log_start(const App &app) {
    LogLine("supervisor", "info", "starting")
        .kv("version", CODEX_PROXY_VERSION)
        .kv("executors", app.cfg.max_concurrency)
        .kv("queue", app.cfg.max_queue)
        .kv("auth", app.keys.enabled() ? "api_key" : "none")
        .kv("model", app.cfg.codex_model.empty() ? "(the catalog's first entry)" : app.cfg.codex_model)
        .emit();
    LogLine("supervisor", "info", "codex_bin")
        .kv("path", app.codex.path)
        .kv("native", app.codex.native ? "true" : "false")
        .kv("launcher", app.codex.launcher)
        .emit();
    if (!app.codex.native)
        LogLine("supervisor", "warn", "the npm launcher runs: its platform binary was not found where it looks")
            .kv("launcher", app.codex.launcher)
            .emit();
    if (app.cfg.landlock && landlock_abi() == 0)
        LogLine("supervisor", "warn", "this kernel has no Landlock: executors run without write confinement").emit();
    if (!codex_login_present(app.codex_home))
        LogLine("supervisor", "warn", codex_login_hint()).kv("codex_home", app.codex_home).emit();
}

void close_everything(uv_loop_t *loop) {
    uv_walk(
        loop,
        [](uv_handle_t *h, void *) {
            if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "doctor") || !strcmp(argv[1], "--check"))) {
        if (argc > 3 || (argc == 3 && strcmp(argv[2], "--run"))) {
            fputs(kUsage, stderr);
            return 64;
        }
        if (sodium_init() < 0) return 1;
        return doctor_main(argc == 3);
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("codex-proxyd %s\n", CODEX_PROXY_VERSION);
            return 0;
        }
        bool help = !strcmp(argv[i], "--help");
        fputs(kUsage, help ? stdout : stderr);
        return help ? 0 : 64;
    }
    signal(SIGPIPE, SIG_IGN);
    orphans_adopt();  // see orphans.h
    if (sodium_init() < 0) return 1;
    App app;
    std::string error;
    if (!setup(app, error)) {
        LogLine("supervisor", "error", "cannot start").kv("error", error).emit();
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    app.loop = &loop;
    app.started_ms = uv_now(&loop);
    log_start(app);
    Scheduler scheduler(app_jobs_context(app));
    app.scheduler = &scheduler;
    ApiContext api = app_api_context(app);
    Router router(api);
    app.http.loop = &loop;
    app.http.cfg = &app.cfg;
    app.http.handler = &router;
    if (!lifecycle_listen(app)) {
        close_everything(&loop);
        return 1;
    }
    lifecycle_watch_signals(app);
    scheduler.start();
    if (!privileges_drop(app.run_as, error)) {
        LogLine("supervisor", "error", "cannot drop privileges; refusing to run").kv("error", error).emit();
        scheduler.kill_all();
        return 1;
    }
    if (!app.responses.open(app.private_home.state + "/responses", uint64_t{app.cfg.responses_max_mb} << 20,
                            app.cfg.responses_max_age_hours * 3600u, error))
        LogLine("supervisor", "error", "stored responses unavailable").kv("error", error).emit();
    lifecycle_check_socket_removable(app);
    if (app.run_as.drop)
        LogLine("supervisor", "info", "dropped privileges")
            .kv("user", app.cfg.user)
            .kv("uid", app.run_as.uid)
            .kv("gid", app.run_as.gid)
            .emit();
    off_loop_start_threads(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    // Closing the signal watchers restores the default actions; from here
    // on the process is exiting anyway, so a late SIGTERM must not kill it
    // (and turn a clean exit 0 into a signal death).
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    close_everything(&loop);
    uv_loop_close(&loop);
    return 0;
}
