#include "supervisor/daemon/lifecycle.h"

#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "common/unique_fd.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/daemon/reload.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/system/sd_notify.h"

namespace {

// After the executors were told to stop, how long before they are killed.
constexpr uint64_t kExecutorStopMs = 3000;

void on_connection(uv_stream_t *server, int status) {
    App &app = *static_cast<App *>(server->data);
    if (status == 0) HttpConnection::accept_from(app.http, server);
}

bool resolve(const std::string &host, uint32_t port, sockaddr_storage &addr) {
    if (uv_ip4_addr(host.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in *>(&addr)) == 0) return true;
    return uv_ip6_addr(host.c_str(), static_cast<int>(port), reinterpret_cast<sockaddr_in6 *>(&addr)) == 0;
}

int bound_port(uv_tcp_t *t) {
    sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(t, reinterpret_cast<sockaddr *>(&ss), &len);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
}

// Returned by the listen_* helpers when they refused for a reason they logged.
constexpr int kRefused = 1;

bool is_loopback(const sockaddr_storage &a) {
    if (a.ss_family == AF_INET) return (ntohl(reinterpret_cast<const sockaddr_in &>(a).sin_addr.s_addr) >> 24) == 127;
    const in6_addr &v6 = reinterpret_cast<const sockaddr_in6 &>(a).sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

int listen_tcp(App &app) {
    sockaddr_storage addr = {};
    if (!resolve(app.cfg.host, app.cfg.port, addr)) {
        LogLine("supervisor", "error", "HOST is not an IP address").kv("host", app.cfg.host).emit();
        return kRefused;
    }
    // Whatever the login can do, anyone who reaches the port can do.
    if (!is_loopback(addr) && !app.keys.enabled() && !app.cfg.allow_unauthenticated) {
        LogLine("supervisor", "error",
                "refusing to listen beyond loopback without an API key: set CODEX_PROXY_API_KEY or "
                "CODEX_PROXY_API_KEY_FILE, or CODEX_PROXY_ALLOW_UNAUTHENTICATED=1")
            .kv("host", app.cfg.host)
            .emit();
        return kRefused;
    }
    uv_tcp_init(app.loop, &app.listener.tcp);
    app.listener.tcp.data = &app;
    int rc = uv_tcp_bind(&app.listener.tcp, reinterpret_cast<sockaddr *>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&app.listener.tcp), 511, on_connection);
    if (rc == 0)
        LogLine("supervisor", "info", "listening")
            .kv("host", app.cfg.host)
            .kv("port", bound_port(&app.listener.tcp))
            .emit();
    return rc;
}

// A socket file left by a proxy that died is removed; one that still
// answers belongs to a live process and is left alone.
int clear_stale_socket(const std::string &path) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return 0;
    if (!S_ISSOCK(st.st_mode)) return UV_EEXIST;
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun = {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
    if (connect(probe.get(), reinterpret_cast<sockaddr *>(&sun), sizeof sun) == 0) return UV_EADDRINUSE;
    return unlink(path.c_str()) == 0 ? 0 : uv_translate_sys_error(errno);
}

int socket_group(const std::string &name, gid_t &gid) {
    if (name.empty()) return 0;
    if (const struct group *g = getgrnam(name.c_str())) {
        gid = g->gr_gid;
        return 0;
    }
    char *end = nullptr;
    long n = strtol(name.c_str(), &end, 10);
    if (*end || n < 0) return UV_EINVAL;
    gid = static_cast<gid_t>(n);
    return 0;
}

int listen_unix(App &app) {
    std::string path = app.cfg.listen.substr(strlen("unix:"));
    // By default the run user's group, whoever binds it: bound as root, the
    // socket would otherwise be root's group and the run user's could not
    // connect.
    gid_t gid = app.run_as.drop ? app.run_as.gid : static_cast<gid_t>(-1);
    int rc = socket_group(app.cfg.socket_group, gid);
    if (rc == 0) rc = clear_stale_socket(path);
    if (rc != 0) return rc;
    app.http.is_unix = true;
    uv_pipe_init(app.loop, &app.listener.pipe, 0);
    app.listener.pipe.data = &app;
    // Created private, then opened up to exactly the configured mode.
    mode_t old = umask(0177);
    rc = uv_pipe_bind(&app.listener.pipe, path.c_str());
    umask(old);
    if (rc == 0 && lchown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) rc = uv_translate_sys_error(errno);
    if (rc == 0 && chmod(path.c_str(), app.cfg.socket_mode) != 0) rc = uv_translate_sys_error(errno);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&app.listener.pipe), 511, on_connection);
    if (rc == 0) LogLine("supervisor", "info", "listening").kv("socket", path).emit();
    return rc;
}

void finish(App &app) {
    http_server_drain(app.http);
    // The signal watchers stay installed, only no longer keeping the loop
    // alive: closing them would restore the default action, and a second
    // SIGTERM while the last answers drain would kill the process.
    uv_unref(reinterpret_cast<uv_handle_t *>(&app.sigterm));
    uv_unref(reinterpret_cast<uv_handle_t *>(&app.sigint));
    uv_unref(reinterpret_cast<uv_handle_t *>(&app.sighup));
    uv_close(reinterpret_cast<uv_handle_t *>(&app.grace_timer), nullptr);
    app.scheduler->close_handles();
    LogLine("supervisor", "info", "stopped").emit();
}

void on_grace_over(uv_timer_t *t) {
    App &app = *static_cast<App *>(t->data);
    if (!app.executors_stopping) {
        LogLine("supervisor", "warn", "shutdown grace over; cancelling jobs still running").emit();
        app.scheduler->fail_all();
    } else {
        LogLine("supervisor", "warn", "executors did not stop in time; killing them").emit();
        app.scheduler->kill_all();
    }
}

}  // namespace

bool lifecycle_listen(App &app) {
    int rc = app.cfg.listen.empty() ? listen_tcp(app) : listen_unix(app);
    if (rc != 0) {
        LogLine("supervisor", "error", "cannot listen")
            .kv("listen", app.cfg.listen.empty() ? app.cfg.host + ":" + std::to_string(app.cfg.port) : app.cfg.listen)
            .kv("error", rc == kRefused ? "refused (see above)" : uv_strerror(rc))
            .emit();
        return false;
    }
    return true;
}

void lifecycle_check_socket_removable(const App &app) {
    if (!app.http.is_unix) return;
    std::string path = app.cfg.listen.substr(strlen("unix:"));
    std::string dir = path.substr(0, std::max<size_t>(path.rfind('/'), 1));
    if (access(dir.c_str(), W_OK | X_OK) != 0)
        LogLine("supervisor", "warn",
                "the socket's directory is not writable by the run user: the socket file stays after exit "
                "(the next start replaces it)")
            .kv("dir", dir)
            .emit();
}

void lifecycle_watch_signals(App &app) {
    uv_timer_init(app.loop, &app.grace_timer);
    app.grace_timer.data = &app;
    for (auto [h, sig] : {std::pair{&app.sigterm, SIGTERM}, std::pair{&app.sigint, SIGINT}}) {
        uv_signal_init(app.loop, h);
        h->data = &app;
        uv_signal_start(
            h, [](uv_signal_t *s, int) { lifecycle_begin_shutdown(*static_cast<App *>(s->data)); }, sig);
    }
    uv_signal_init(app.loop, &app.sighup);
    app.sighup.data = &app;
    uv_signal_start(
        &app.sighup, [](uv_signal_t *s, int) { reload_run(*static_cast<App *>(s->data)); }, SIGHUP);
}

void lifecycle_begin_shutdown(App &app) {
    if (app.draining) return;
    app.draining = true;
    LogLine("supervisor", "info", "shutting down").kv("grace_ms", app.cfg.shutdown_grace_ms).emit();
    sd_notify_send(app.notify_socket, "STOPPING=1");
    uv_close(reinterpret_cast<uv_handle_t *>(&app.listener), nullptr);
    if (app.http.is_unix && unlink(app.cfg.listen.c_str() + strlen("unix:")) != 0)
        LogLine("supervisor", "warn", "cannot remove the socket file").kv("error", strerror(errno)).emit();
    http_server_drain(app.http);
    uv_timer_start(&app.grace_timer, on_grace_over, app.cfg.shutdown_grace_ms, 0);
    lifecycle_jobs_changed(app);
}

// Ready for systemd once every executor has said it is, the first time.
static void notify_ready_once(App &app) {
    if (app.ready_notified || app.draining) return;
    Scheduler::Counts c = app.scheduler->counts();
    if (static_cast<uint32_t>(c.idle + c.busy) < app.cfg.max_concurrency) return;
    app.ready_notified = true;
    if (sd_notify_send(app.notify_socket, "READY=1")) LogLine("supervisor", "info", "told systemd: ready").emit();
}

void lifecycle_jobs_changed(App &app) {
    notify_ready_once(app);
    app.scheduler->restart_idle_marked();
    if (!app.draining) return;
    if (!app.executors_stopping && app.scheduler->idle()) {
        app.executors_stopping = true;
        uv_timer_start(&app.grace_timer, on_grace_over, kExecutorStopMs, 0);
        app.scheduler->stop_executors();
        return;  // stop_executors reports back through here
    }
    if (app.executors_stopping && app.scheduler->all_stopped() &&
        !uv_is_closing(reinterpret_cast<uv_handle_t *>(&app.grace_timer)))
        finish(app);
}
