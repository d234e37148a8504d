// A real libuv loop serving HttpConnections on a loopback TCP listener, and
// plain non-blocking client sockets to talk to it: what test_http_connection
// and test_router share. The test drives the loop itself (uv_run NOWAIT)
// between its client's writes and reads, so every step is an event, never
// a sleep that a loaded machine could outrun.
//
// Include before cmocka_cpp.h: cmocka's macros (fail) break libstdc++
// headers included after it.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/config.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/http/http_server.h"

struct TestServer {
    uv_loop_t loop;
    Config cfg;
    HttpServer server;
    uv_tcp_t listener;
    int port = 0;

    explicit TestServer(HttpHandler *handler) {
        uv_loop_init(&loop);
        server.loop = &loop;
        server.cfg = &cfg;
        server.handler = handler;
        uv_tcp_init(&loop, &listener);
        listener.data = &server;
        sockaddr_in a;
        uv_ip4_addr("127.0.0.1", 0, &a);
        if (uv_tcp_bind(&listener, reinterpret_cast<const sockaddr *>(&a), 0) != 0) abort();
        int rc = uv_listen(reinterpret_cast<uv_stream_t *>(&listener), 64, [](uv_stream_t *s, int status) {
            if (status == 0) HttpConnection::accept_from(*static_cast<HttpServer *>(s->data), s);
        });
        if (rc != 0) abort();
        sockaddr_in bound;
        int len = sizeof bound;
        uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr *>(&bound), &len);
        port = ntohs(bound.sin_port);
    }

    // Every client must have closed by now: their connections are freed
    // first, so that nothing leaks (the sanitizer build checks).
    ~TestServer() {
        uv_close(reinterpret_cast<uv_handle_t *>(&listener), nullptr);
        uv_walk(
            &loop,
            [](uv_handle_t *h, void *) {
                if (!uv_is_closing(h)) uv_close(h, nullptr);
            },
            nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }

    // Runs the loop until done() holds: true, or false after about ten
    // seconds of turns (a bound for a stuck test, not a timing assertion).
    template <class Done>
    bool run_until(Done done) {
        for (int turn = 0; turn < 10000; turn++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            if (done()) return true;
            usleep(1000);
        }
        return false;
    }
    // A few turns with nothing expected to happen.
    void run_a_while() {
        for (int turn = 0; turn < 50; turn++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            usleep(1000);
        }
    }
};

// One client: a blocking connect (the kernel's backlog takes it without the
// loop), then non-blocking reads and writes.
struct TestClient {
    int fd = -1;
    std::string in;    // everything received so far
    bool eof = false;  // the server closed its end

    explicit TestClient(int port) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) abort();
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    ~TestClient() { leave(); }

    void send(const std::string &bytes) {
        size_t off = 0;
        while (off < bytes.size()) {
            ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n > 0) off += static_cast<size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) abort();
        }
    }
    // Reads what has arrived; call between loop turns.
    void read_available() {
        char buf[65536];
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                in.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof = true;
            return;
        }
    }
    size_t answers() const {
        size_t n = 0;
        for (size_t at = in.find("HTTP/1.1 "); at != std::string::npos; at = in.find("HTTP/1.1 ", at + 1)) n++;
        return n;
    }
    void leave() {
        if (fd >= 0) close(fd);
        fd = -1;
    }
};

// Runs srv's loop until client has `answers` answers (and reads them).
inline bool await_answers(TestServer &srv, TestClient &client, size_t answers) {
    return srv.run_until([&] {
        client.read_available();
        return client.answers() >= answers;
    });
}

inline bool await_eof(TestServer &srv, TestClient &client) {
    return srv.run_until([&] {
        client.read_available();
        return client.eof;
    });
}

inline bool await_no_connections(TestServer &srv) {
    return srv.run_until([&] { return srv.server.connections.empty(); });
}

// The body of the first answer in raw (after its blank line; whole, for an
// answer with Content-Length).
inline std::string first_body(const std::string &raw) {
    size_t at = raw.find("\r\n\r\n");
    return at == std::string::npos ? "" : raw.substr(at + 4);
}

inline std::string get(const std::string &path, const std::string &extra_headers = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}
