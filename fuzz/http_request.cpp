// Eats the bytes a client sends on one connection: the real connection code
// (supervisor/http/http_connection.cpp) and the real router, on a real libuv
// loop, over a Unix socket whose other end is this harness.
//
// The App is the supervisor's, minus executors: an API key (sk-fuzz), a
// response store, and a scheduler that was never started, so a valid
// completion request is queued (and cancelled when the client leaves, or
// refused with 429 once the queue is full). Pipelined requests, chunked
// bodies, 100-continue, keep-alive and lingering close all run as in the
// daemon.
//
// Per input: connect, write the bytes while the loop runs, run the loop
// until nothing more is answered, then leave (half-close, close) and run it
// until the connection is freed. A connection that outlives its client,
// or an answer that does not begin as an HTTP/1.1 status line, aborts.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz/scratch_dir.h"
#include "supervisor/api/router.h"
#include "supervisor/daemon/app.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/jobs/scheduler.h"

namespace {

struct Harness {
    uv_loop_t loop;
    App app;
    Scheduler *scheduler = nullptr;
    ApiContext *api = nullptr;
    Router *router = nullptr;
    std::string socket_path;

    Harness() {
        uv_loop_init(&loop);
        app.loop = &loop;
        app.http.is_unix = true;
        app.cfg.max_concurrency = 0;  // no executors: jobs wait in the queue
        app.cfg.max_queue = 2;
        app.cfg.max_body_bytes = 64 * 1024;
        app.cfg.max_header_bytes = 4096;
        app.keys.add("sk-fuzz");
        std::string dir = scratch_dir("fuzz-http");
        std::string error;
        if (!app.responses.open(dir + "/responses", 1 << 20, 3600, error)) abort();
        socket_path = dir + "/listen.sock";
        // These live as long as the process.
        scheduler = new Scheduler(app_jobs_context(app));
        app.scheduler = scheduler;
        api = new ApiContext(app_api_context(app));
        router = new Router(*api);
        app.http.loop = &loop;
        app.http.cfg = &app.cfg;
        app.http.handler = router;
        uv_pipe_init(&loop, &app.listener.pipe, 0);
        app.listener.pipe.data = &app;
        if (uv_pipe_bind(&app.listener.pipe, socket_path.c_str()) != 0) abort();
        int rc = uv_listen(reinterpret_cast<uv_stream_t *>(&app.listener.pipe), 16, [](uv_stream_t *s, int status) {
            if (status == 0) HttpConnection::accept_from(static_cast<App *>(s->data)->http, s);
        });
        if (rc != 0) abort();
    }
};

int connect_client(const std::string &path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) abort();
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) abort();
    return fd;
}

// Reads what the proxy has written so far; false once it closed its end.
bool drain(int fd, std::string &out) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return false;
        if (errno == EAGAIN || errno == EINTR) return true;
        return false;  // reset
    }
}

// Runs the loop until it has nothing left to do for now: a few turns in a
// row without a byte answered and with all input written (bounded).
void settle(Harness &h, int fd, const uint8_t *&data, size_t &left, std::string &out) {
    int quiet = 0;
    for (int turn = 0; turn < 4000 && quiet < 4; turn++) {
        if (left > 0) {
            ssize_t n = write(fd, data, left);
            if (n > 0) data += n, left -= static_cast<size_t>(n);
            else if (errno != EAGAIN) left = 0;  // the proxy closed: the rest is lost, as for a client
        }
        uv_run(&h.loop, UV_RUN_NOWAIT);
        size_t before = out.size();
        bool open = drain(fd, out);
        quiet = (left == 0 && out.size() == before) ? quiet + 1 : 0;
        if (!open && left == 0) break;
    }
}

// The access log (stderr) is closed while fuzzing, so each broken invariant
// is a function of its own: its name is in the stack of the report.
[[noreturn]] __attribute__((noinline)) void answer_is_not_http() { abort(); }
[[noreturn]] __attribute__((noinline)) void connection_outlived_its_client() { abort(); }
[[noreturn]] __attribute__((noinline)) void job_left_queued_after_its_client() { abort(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Harness *h = new Harness;
    int fd = connect_client(h->socket_path);
    std::string out;
    size_t left = size;
    settle(*h, fd, data, left, out);
    if (!out.empty() && out.compare(0, 9, "HTTP/1.1 ") != 0) answer_is_not_http();

    // The client leaves: its connection (and any job it queued) must go.
    shutdown(fd, SHUT_WR);
    settle(*h, fd, data, left, out);
    close(fd);
    for (int turn = 0; turn < 100 && !h->app.http.connections.empty(); turn++) uv_run(&h->loop, UV_RUN_NOWAIT);
    if (!h->app.http.connections.empty()) connection_outlived_its_client();
    if (h->scheduler->counts().queued != 0) job_left_queued_after_its_client();
    return 0;
}
