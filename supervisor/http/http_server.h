// The HTTP layer's view of the daemon: the connections it holds, the limits
// they keep, and what answers their requests (HttpHandler). The daemon wires
// the API's router in as the handler; a test wires a fake.
//
// The layer speaks OpenAI's error envelope (base/openai_error.h) for its own
// refusals (400, 408, 413, 431, 501, 503, 505) as every other answer does;
// the envelope is a value type of the lowest layer, so http does not need
// the API layer for it.
#pragma once
#include <uv.h>

#include <unordered_set>

#include "common/config.h"
#include "supervisor/base/openai_error.h"

class HttpConnection;
struct HttpRequest;

class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    // Once the headers are in, before any body is read (authentication,
    // shutdown). False fills err with the answer to send instead.
    virtual bool precheck(HttpConnection &c, ApiError &err) = 0;
    // The whole request is in: answer it through c, now or later.
    virtual void on_request(HttpConnection &c) = 0;
    // A request's access-log line was written: status as logged (499 for
    // a client that left).
    virtual void on_answered(const HttpRequest &r, int status) {
        (void)r;
        (void)status;
    }
};

struct HttpServer {
    uv_loop_t *loop = nullptr;
    const Config *cfg = nullptr;  // the limits and timeouts
    HttpHandler *handler = nullptr;
    bool is_unix = false;   // connections are pipes (CODEX_PROXY_LISTEN=unix:...), not TCP
    bool draining = false;  // shutdown began: no new connection, no keep-alive
    std::unordered_set<HttpConnection *> connections;
};

// Shutdown: refuses new connections from now on and closes every open one,
// an idle one at once, a busy one after its answer.
void http_server_drain(HttpServer &s);
