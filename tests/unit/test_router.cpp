// The API's router as the HTTP server's handler, on a real libuv loop over
// loopback TCP: which handler answers which method and path, the errors in
// OpenAI's shape, and the checks before any handler (the API key, draining).
// The scheduler has no executors and is never started: nothing here runs a
// job.
#include "supervisor/api/router.h"

#include <cjson/cJSON.h>

#include <string>

#include "http_harness.h"
#include "supervisor/api/api_context.h"
#include "supervisor/jobs/scheduler.h"
#include "cmocka_cpp.h"

namespace {

constexpr char kKey[] = "sk-router-test";

// Everything an ApiContext refers to, owned by the test.
struct Api {
    TestServer srv{nullptr};
    ApiKeys keys;
    ModelNames model_names;
    ResponseStore responses;  // never opened
    std::string codex_home = "/nonexistent/codex-home";
    PrivateCodexHome private_home;
    Metrics metrics;
    RunAs run_as;
    CodexBinary codex;
    std::string executor_path, model_catalog;
    bool draining = false, executors_stopping = false;
    uint64_t started_ms = 0;
    Scheduler *scheduler = nullptr;
    ApiContext *ctx = nullptr;
    Router *router = nullptr;

    Api() {
        std::string error;
        if (!model_names_parse("", "gpt-alias=gpt-5.5", "reject", model_names, error)) abort();
        private_home.dir = "/nonexistent/private-home";
        srv.cfg.max_concurrency = 0;
        scheduler = new Scheduler(JobsContext{&srv.loop, srv.cfg, run_as, private_home, codex, executor_path,
                                              model_catalog, metrics, draining, executors_stopping, [] {}});
        ctx = new ApiContext{&srv.loop,    srv.cfg, keys,       model_names, responses, codex_home,
                             private_home, metrics, *scheduler, srv.server,  draining,  started_ms};
        router = new Router(*ctx);
        srv.server.handler = router;
    }
    ~Api() {
        scheduler->close_handles();
        uv_run(&srv.loop, UV_RUN_NOWAIT);
        delete router;
        delete ctx;
        delete scheduler;
    }

    // One request on a fresh connection: the raw answer.
    std::string ask(const std::string &request) {
        TestClient client(srv.port);
        client.send(request);
        if (!await_answers(srv, client, 1)) return "(no answer)";
        // The whole answer: its head says how long the body is.
        srv.run_until([&] {
            client.read_available();
            size_t head = client.in.find("\r\n\r\n");
            size_t cl = client.in.find("Content-Length: ");
            return head != std::string::npos && cl != std::string::npos &&
                   client.in.size() >= head + 4 + strtoul(client.in.c_str() + cl + 16, nullptr, 10);
        });
        client.leave();
        if (!await_no_connections(srv)) return "(connection left open)";
        return client.in;
    }
};

int status_of(const std::string &answer) {
    return answer.compare(0, 9, "HTTP/1.1 ") == 0 ? atoi(answer.c_str() + 9) : -1;
}

// The body is {"error":{"message":<string>,"type":<string>,"param":…,"code":<code>}}.
void assert_openai_error(const std::string &answer, const char *code) {
    cJSON *root = cJSON_Parse(first_body(answer).c_str());
    assert_non_null(root);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    assert_true(cJSON_IsObject(e));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "type")));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(e, "param"));
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    assert_true(cJSON_IsString(c));
    assert_string_equal(c->valuestring, code);
    cJSON_Delete(root);
}

std::string bearer(const char *key) { return std::string("Authorization: Bearer ") + key + "\r\n"; }

std::string post(const std::string &path, const std::string &body, const std::string &extra = "") {
    return "POST " + path +
           " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "\r\n" + body;
}

void an_unknown_path_is_a_404_in_openai_s_shape(void **) {
    Api api;
    std::string a = api.ask(get("/v1/nothing-here"));
    assert_int_equal(status_of(a), 404);
    assert_openai_error(a, "not_found");
}

void a_path_that_only_starts_like_a_route_is_not_that_route(void **) {
    Api api;
    assert_int_equal(status_of(api.ask(get("/v1/modelsx"))), 404);
    assert_int_equal(status_of(api.ask(get("/healthzz"))), 404);
    assert_int_equal(status_of(api.ask(get("/v1/embeddingsx"))), 404);  // not the 501 of /v1/embeddings
}

void a_wrong_method_is_a_405_naming_the_allowed_ones(void **) {
    Api api;
    std::string a = api.ask(get("/v1/chat/completions"));
    assert_int_equal(status_of(a), 405);
    assert_non_null(strstr(a.c_str(), "\r\nAllow: POST\r\n"));
    assert_openai_error(a, "method_not_allowed");
    a = api.ask(post("/v1/models", "{}"));
    assert_int_equal(status_of(a), 405);
    assert_non_null(strstr(a.c_str(), "\r\nAllow: GET, HEAD\r\n"));
}

void an_openai_endpoint_not_served_here_is_a_501(void **) {
    Api api;
    for (const char *path : {"/v1/embeddings", "/v1/audio/speech", "/v1/responses/resp_1/cancel"}) {
        std::string a = api.ask(post(path, "{}"));
        assert_int_equal(status_of(a), 501);
        assert_openai_error(a, "not_implemented");
    }
}

void get_v1_models_lists_the_names_a_client_may_use(void **) {
    Api api;
    std::string a = api.ask(get("/v1/models"));
    assert_int_equal(status_of(a), 200);
    cJSON *root = cJSON_Parse(first_body(a).c_str());
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "object")->valuestring, "list");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "data"), 0);
    assert_non_null(first);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(first, "object")->valuestring, "model");
    assert_non_null(strstr(first_body(a).c_str(), "\"id\":\"gpt-alias\""));
    cJSON_Delete(root);
}

void get_v1_models_id_answers_a_known_name_and_404s_another(void **) {
    Api api;
    std::string a = api.ask(get("/v1/models/gpt-alias"));
    assert_int_equal(status_of(a), 200);
    assert_non_null(strstr(first_body(a).c_str(), "\"id\":\"gpt-alias\""));
    a = api.ask(get("/v1/models/not-a-model"));
    assert_int_equal(status_of(a), 404);
    assert_openai_error(a, "model_not_found");
}

// The param of the first error: which handler answered.
std::string error_param(const std::string &answer) {
    cJSON *root = cJSON_Parse(first_body(answer).c_str());
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "error"), "param");
    std::string out = cJSON_IsString(p) ? p->valuestring : "(none)";
    cJSON_Delete(root);
    return out;
}

void post_chat_completions_reaches_its_handler(void **) {
    Api api;
    std::string a = api.ask(post("/v1/chat/completions", "{\"model\":\"gpt-alias\"}"));
    assert_int_equal(status_of(a), 400);
    assert_string_equal(error_param(a).c_str(), "messages");
}

void post_responses_reaches_its_handler(void **) {
    Api api;
    std::string a = api.ask(post("/v1/responses", "{\"model\":\"gpt-alias\"}"));
    assert_int_equal(status_of(a), 400);
    assert_string_equal(error_param(a).c_str(), "input");
}

void with_keys_a_v1_request_without_one_is_a_401(void **) {
    Api api;
    api.keys.add(kKey);
    std::string a = api.ask(get("/v1/models"));
    assert_int_equal(status_of(a), 401);
    assert_openai_error(a, "invalid_api_key");
    assert_int_equal(status_of(api.ask(get("/v1/models", bearer("sk-wrong")))), 401);
    // Before the body is read: an unauthenticated POST is refused too.
    assert_int_equal(status_of(api.ask(post("/v1/chat/completions", "{}"))), 401);
}

void with_keys_a_v1_request_with_one_is_served(void **) {
    Api api;
    api.keys.add(kKey);
    assert_int_equal(status_of(api.ask(get("/v1/models", bearer(kKey)))), 200);
}

void with_keys_an_unknown_v1_path_still_needs_one(void **) {
    Api api;
    api.keys.add(kKey);
    assert_int_equal(status_of(api.ask(get("/v1/nothing-here"))), 401);
}

void healthz_needs_no_key(void **) {
    Api api;
    api.keys.add(kKey);
    std::string a = api.ask(get("/healthz"));
    // No executor here: degraded, but answered.
    assert_int_equal(status_of(a), 503);
    assert_non_null(strstr(first_body(a).c_str(), "\"status\":\"degraded\""));
}

void metrics_needs_the_key_unless_public(void **) {
    Api api;
    api.keys.add(kKey);
    assert_int_equal(status_of(api.ask(get("/metrics"))), 401);
    assert_int_equal(status_of(api.ask(get("/metrics", bearer(kKey)))), 200);
    api.srv.cfg.metrics_public = true;
    assert_int_equal(status_of(api.ask(get("/metrics"))), 200);
}

void while_draining_everything_but_healthz_is_a_503(void **) {
    Api api;
    api.draining = true;
    std::string a = api.ask(get("/v1/models"));
    assert_int_equal(status_of(a), 503);
    assert_openai_error(a, "unavailable");
    assert_non_null(strstr(first_body(api.ask(get("/healthz"))).c_str(), "\"status\":\"draining\""));
}

void an_answered_request_is_counted_for_metrics(void **) {
    Api api;
    api.ask(get("/v1/models"));
    std::string a = api.ask(get("/metrics"));
    assert_non_null(
        strstr(first_body(a).c_str(),
               "codex_proxy_http_requests_total{http_route=\"/v1/models\",http_response_status_code=\"200\"} 1\n"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_unknown_path_is_a_404_in_openai_s_shape),
        cmocka_unit_test(a_path_that_only_starts_like_a_route_is_not_that_route),
        cmocka_unit_test(a_wrong_method_is_a_405_naming_the_allowed_ones),
        cmocka_unit_test(an_openai_endpoint_not_served_here_is_a_501),
        cmocka_unit_test(get_v1_models_lists_the_names_a_client_may_use),
        cmocka_unit_test(get_v1_models_id_answers_a_known_name_and_404s_another),
        cmocka_unit_test(post_chat_completions_reaches_its_handler),
        cmocka_unit_test(post_responses_reaches_its_handler),
        cmocka_unit_test(with_keys_a_v1_request_without_one_is_a_401),
        cmocka_unit_test(with_keys_a_v1_request_with_one_is_served),
        cmocka_unit_test(with_keys_an_unknown_v1_path_still_needs_one),
        cmocka_unit_test(healthz_needs_no_key),
        cmocka_unit_test(metrics_needs_the_key_unless_public),
        cmocka_unit_test(while_draining_everything_but_healthz_is_a_503),
        cmocka_unit_test(an_answered_request_is_counted_for_metrics),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
