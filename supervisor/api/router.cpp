#include "supervisor/api/router.h"

#include <cstring>
#include <string_view>

#include "supervisor/api/chat_completions.h"
#include "supervisor/api/health.h"
#include "supervisor/api/metrics_endpoint.h"
#include "supervisor/api/models_endpoint.h"
#include "supervisor/api/responses_api.h"

namespace {

// OpenAI endpoints this proxy knows of and does not serve: 501, not 404,
// so a client learns the endpoint exists upstream but not here.
const char *const kUnimplemented[] = {
    "/v1/images",  "/v1/embeddings",    "/v1/audio",       "/v1/files",      "/v1/uploads",
    "/v1/batches", "/v1/fine_tuning",   "/v1/moderations", "/v1/realtime",   "/v1/assistants",
    "/v1/threads", "/v1/vector_stores", "/v1/completions", "/v1/responses/", "/v1/chat/completions/",
};

bool has_prefix(std::string_view path, std::string_view prefix) {
    if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

bool is_v1(std::string_view path) { return has_prefix(path, "/v1"); }

void method_not_allowed(HttpConnection &c, const char *allow) {
    c.respond_error(api_error_for_status(405), {{"Allow", allow}});
}

}  // namespace

ApiContext &api_context(HttpConnection &c) { return static_cast<Router *>(c.server().handler)->api(); }

bool Router::precheck(HttpConnection &c, ApiError &err) {
    const HttpRequest &r = c.request();
    bool needs_key = is_v1(r.path) || (r.path == "/metrics" && !api_.cfg.metrics_public);
    if (needs_key && api_.keys.enabled()) {
        const std::string *auth = r.header("authorization");
        if (!auth || !api_.keys.check_authorization(*auth)) {
            err = api_error_for_status(401);
            if (!auth) err.message = "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.";
            return false;
        }
    }
    if (api_.draining && r.path != "/healthz") {
        err = api_error_for_status(503);
        return false;
    }
    return true;
}

void Router::on_request(HttpConnection &c) {
    const HttpRequest &r = c.request();
    std::string_view p = r.path;
    bool get = r.method == HTTP_GET || r.method == HTTP_HEAD;
    if (p == "/healthz") return get ? handle_healthz(c) : method_not_allowed(c, "GET, HEAD");
    if (p == "/metrics") return get ? handle_metrics(c) : method_not_allowed(c, "GET, HEAD");
    if (p == "/v1/models") return get ? handle_models_list(c) : method_not_allowed(c, "GET, HEAD");
    if (has_prefix(p, "/v1/models/") && p.size() > strlen("/v1/models/"))
        return get ? handle_model_get(c, std::string(p.substr(strlen("/v1/models/"))))
                   : method_not_allowed(c, "GET, HEAD");
    if (p == "/v1/chat/completions")
        return r.method == HTTP_POST ? handle_chat_completions(c) : method_not_allowed(c, "POST");
    if (p == "/v1/responses") return r.method == HTTP_POST ? handle_responses(c) : method_not_allowed(c, "POST");
    for (const char *prefix : kUnimplemented)
        if (has_prefix(p, prefix)) return c.respond_error(api_error_for_status(501));
    c.respond_error(api_error_for_status(404));
}

void Router::on_answered(const HttpRequest &r, int status) {
    api_.metrics.request_done(api_.model_names, r, status, uv_now(api_.loop));
}
