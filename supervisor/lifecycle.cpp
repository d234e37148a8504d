#include "supervisor/lifecycle.h"

#include <signal.h>

#include <vector>

#include "common/log.h"
#include "supervisor/http_connection.h"
#include "supervisor/scheduler.h"

namespace {

// After the executors were told to stop, how long before they are killed.
constexpr uint64_t kExecutorStopMs = 3000;

void on_connection(uv_stream_t *server, int status) {
    App &app = *static_cast<App *>(server->data);
    if (status == 0) HttpConnection::accept_from(app, server);
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

void finish(App &app) {
    for (HttpConnection *c : std::vector<HttpConnection *>(app.connections.begin(), app.connections.end()))
        c->close_when_idle();
    // The signal watchers stay installed, only no longer keeping the loop
    // alive: closing them would restore the default action, and a second
    // SIGTERM while the last answers drain would kill the process.
    uv_unref(reinterpret_cast<uv_handle_t *>(&app.sigterm));
    uv_unref(reinterpret_cast<uv_handle_t *>(&app.sigint));
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
    sockaddr_storage addr = {};
    if (!resolve(app.cfg.host, app.cfg.port, addr)) {
        LogLine("supervisor", "error", "HOST is not an IP address").kv("host", app.cfg.host).emit();
        return false;
    }
    uv_tcp_init(app.loop, &app.listener);
    app.listener.data = &app;
    int rc = uv_tcp_bind(&app.listener, reinterpret_cast<sockaddr *>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t *>(&app.listener), 511, on_connection);
    if (rc != 0) {
        LogLine("supervisor", "error", "cannot listen")
            .kv("host", app.cfg.host)
            .kv("port", app.cfg.port)
            .kv("error", uv_strerror(rc))
            .emit();
        return false;
    }
    LogLine("supervisor", "info", "listening").kv("host", app.cfg.host).kv("port", bound_port(&app.listener)).emit();
    return true;
}

void lifecycle_watch_signals(App &app) {
    uv_timer_init(app.loop, &app.grace_timer);
    app.grace_timer.data = &app;
    for (auto [h, sig] : {std::pair{&app.sigterm, SIGTERM}, std::pair{&app.sigint, SIGINT}}) {
        uv_signal_init(app.loop, h);
        h->data = &app;
        uv_signal_start(h, [](uv_signal_t *s, int) { lifecycle_begin_shutdown(*static_cast<App *>(s->data)); }, sig);
    }
}

void lifecycle_begin_shutdown(App &app) {
    if (app.draining) return;
    app.draining = true;
    LogLine("supervisor", "info", "shutting down").kv("grace_ms", app.cfg.shutdown_grace_ms).emit();
    uv_close(reinterpret_cast<uv_handle_t *>(&app.listener), nullptr);
    for (HttpConnection *c : std::vector<HttpConnection *>(app.connections.begin(), app.connections.end()))
        c->close_when_idle();
    uv_timer_start(&app.grace_timer, on_grace_over, app.cfg.shutdown_grace_ms, 0);
    app_jobs_changed(app);
}

void app_jobs_changed(App &app) {
    if (!app.draining) return;
    if (!app.executors_stopping && app.scheduler->idle()) {
        app.executors_stopping = true;
        uv_timer_start(&app.grace_timer, on_grace_over, kExecutorStopMs, 0);
        app.scheduler->stop_executors();
        return;  // stop_executors reports back through here
    }
    if (app.executors_stopping && app.scheduler->all_stopped() && !uv_is_closing(reinterpret_cast<uv_handle_t *>(&app.grace_timer)))
        finish(app);
}
