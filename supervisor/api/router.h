// Which handler answers a request, and the checks every /v1 request passes:
// the API's HttpHandler, which the daemon gives its HTTP server.
#pragma once
#include "supervisor/api/api_context.h"
#include "supervisor/http/http_connection.h"

class Router : public HttpHandler {
public:
    explicit Router(ApiContext &api) : api_(api) {}
    ApiContext &api() { return api_; }

    // Authentication and shutdown, before any body is read.
    bool precheck(HttpConnection &c, ApiError &err) override;
    void on_request(HttpConnection &c) override;
    // Counts the request for /metrics.
    void on_answered(const HttpRequest &r, int status) override;

private:
    ApiContext &api_;
};

// The API context of a connection: every connection the daemon accepts is
// served by its Router.
ApiContext &api_context(HttpConnection &c);
