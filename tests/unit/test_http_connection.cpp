// The HTTP connection on a real libuv loop, over loopback TCP, with a fake
// handler in place of the API's router.
#include "supervisor/http/http_connection.h"

#include <memory>
#include <string>
#include <vector>

#include "http_harness.h"
#include "supervisor/base/openai_error.h"
#include "cmocka_cpp.h"

namespace {

// Answers by path: /later and /stream are held (the test answers them),
// anything else at once with "answer to <path>".
struct FakeHandler : HttpHandler {
    bool refuse = false;              // precheck answers 401
    std::vector<std::string> seen;    // paths, as on_request saw them
    std::vector<std::string> bodies;  // their bodies
    std::vector<int> statuses;        // as on_answered heard them
    HttpConnection *held = nullptr;   // a request waiting for the test's answer
    bool client_gone = false;         // the held request's exchange was told the client left

    struct Watch : Exchange {
        FakeHandler *h;
        explicit Watch(FakeHandler *handler) : h(handler) {}
        void client_gone() override {
            h->client_gone = true;
            h->held = nullptr;
        }
    };

    bool precheck(HttpConnection &, ApiError &err) override {
        if (!refuse) return true;
        err = api_error_for_status(401);
        return false;
    }
    void on_request(HttpConnection &c) override {
        const std::string &path = c.request().path;
        seen.push_back(path);
        bodies.push_back(c.request().body);
        if (path != "/later" && path != "/stream") {
            c.respond(200, "text/plain", "answer to " + path);
            return;
        }
        held = &c;
        c.set_exchange(std::make_unique<Watch>(this));
        if (path == "/stream") {
            c.stream_begin(200, "text/event-stream");
            c.stream_write("data: first\n\n");
        }
    }
    void on_answered(const HttpRequest &, int status) override { statuses.push_back(status); }
};

void pipelined_requests_are_answered_in_order(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/later") + get("/second"));
    assert_true(srv.run_until([&] { return h.held != nullptr; }));
    srv.run_a_while();
    // The second waits for the first's answer, even though it is all in.
    assert_int_equal(h.seen.size(), 1);
    h.held->respond(200, "text/plain", "answer to /later");
    assert_true(await_answers(srv, client, 2));
    assert_int_equal(h.seen.size(), 2);
    size_t first = client.in.find("answer to /later"), second = client.in.find("answer to /second");
    assert_true(first != std::string::npos && second != std::string::npos);
    assert_true(first < second);
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_body_over_the_limit_gets_413_and_the_connection_closes(void **) {
    FakeHandler h;
    TestServer srv(&h);
    srv.cfg.max_body_bytes = 16;
    TestClient client(srv.port);
    client.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'));
    assert_true(await_eof(srv, client));
    assert_int_equal(client.in.compare(0, 13, "HTTP/1.1 413 "), 0);
    assert_non_null(strstr(client.in.c_str(), "Connection: close"));
    assert_non_null(strstr(client.in.c_str(), "\"code\":\"request_too_large\""));
    assert_true(h.seen.empty());
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_body_at_the_limit_reaches_the_handler(void **) {
    FakeHandler h;
    TestServer srv(&h);
    srv.cfg.max_body_bytes = 16;
    TestClient client(srv.port);
    client.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'a'));
    assert_true(await_answers(srv, client, 1));
    assert_int_equal(client.in.compare(0, 13, "HTTP/1.1 200 "), 0);
    assert_int_equal(h.bodies.size(), 1);
    assert_string_equal(h.bodies[0].c_str(), std::string(16, 'a').c_str());
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_chunked_body_reaches_the_handler_whole(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(
        "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    assert_true(await_answers(srv, client, 1));
    assert_int_equal(h.bodies.size(), 1);
    assert_string_equal(h.bodies[0].c_str(), "hello world");
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_client_that_leaves_mid_answer_frees_the_connection(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/stream"));
    assert_true(srv.run_until([&] {
        client.read_available();
        return client.in.find("data: first") != std::string::npos;
    }));
    client.leave();
    assert_true(await_no_connections(srv));
    assert_true(h.client_gone);
    assert_int_equal(h.statuses.size(), 1);
    assert_int_equal(h.statuses[0], 499);  // logged as the client closing the request
}

void keep_alive_serves_the_next_request_on_the_same_connection(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/one"));
    assert_true(await_answers(srv, client, 1));
    assert_non_null(strstr(client.in.c_str(), "Connection: keep-alive"));
    client.send(get("/two"));
    assert_true(await_answers(srv, client, 2));
    assert_false(client.eof);
    assert_non_null(strstr(client.in.c_str(), "answer to /two"));
    assert_int_equal(srv.server.connections.size(), 1);
    client.leave();
    assert_true(await_no_connections(srv));
}

void connection_close_from_the_client_closes_after_the_answer(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/one", "Connection: close\r\n"));
    assert_true(await_eof(srv, client));
    assert_int_equal(client.answers(), 1);
    assert_non_null(strstr(client.in.c_str(), "Connection: close"));
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_handler_may_answer_after_on_request_returns(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/later"));
    assert_true(srv.run_until([&] { return h.held != nullptr; }));
    srv.run_a_while();
    client.read_available();
    assert_true(client.in.empty());
    h.held->respond(201, "text/plain", "late");
    assert_true(await_answers(srv, client, 1));
    assert_int_equal(client.in.compare(0, 13, "HTTP/1.1 201 "), 0);
    assert_string_equal(first_body(client.in).c_str(), "late");
    assert_false(h.client_gone);  // answered, not abandoned
    client.leave();
    assert_true(await_no_connections(srv));
}

void a_refused_precheck_is_answered_without_calling_the_handler(void **) {
    FakeHandler h;
    h.refuse = true;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send(get("/v1/models"));
    assert_true(await_eof(srv, client));
    assert_int_equal(client.in.compare(0, 13, "HTTP/1.1 401 "), 0);
    assert_true(h.seen.empty());
    client.leave();
    assert_true(await_no_connections(srv));
}

void an_error_the_connection_sends_has_openai_s_shape(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient client(srv.port);
    client.send("GET /x HTTP/1.1\r\n\r\n");  // no Host
    assert_true(await_eof(srv, client));
    assert_int_equal(client.in.compare(0, 13, "HTTP/1.1 400 "), 0);
    assert_non_null(strstr(client.in.c_str(), "Content-Type: application/json"));
    std::string body = first_body(client.in);
    assert_int_equal(body.compare(0, 19, "{\"error\":{\"message\""), 0);
    for (const char *key : {"\"type\":\"invalid_request_error\"", "\"param\":null", "\"code\":\"bad_request\""})
        assert_non_null(strstr(body.c_str(), key));
    client.leave();
    assert_true(await_no_connections(srv));
}

void past_the_connection_limit_a_client_is_told_503_too_many_connections(void **) {
    FakeHandler h;
    TestServer srv(&h);
    srv.cfg.max_connections = 1;
    TestClient first(srv.port);
    assert_true(srv.run_until([&] { return srv.server.connections.size() == 1; }));
    TestClient second(srv.port);
    assert_true(await_eof(srv, second));
    assert_int_equal(second.in.compare(0, 13, "HTTP/1.1 503 "), 0);
    assert_non_null(strstr(second.in.c_str(), "\"code\":\"too_many_connections\""));
    first.send(get("/still-served"));
    assert_true(await_answers(srv, first, 1));
    assert_int_equal(first.in.compare(0, 13, "HTTP/1.1 200 "), 0);
    first.leave();
    second.leave();
    assert_true(await_no_connections(srv));
}

void draining_closes_an_idle_connection_and_finishes_a_busy_one(void **) {
    FakeHandler h;
    TestServer srv(&h);
    TestClient idle(srv.port), busy(srv.port);
    busy.send(get("/later"));
    assert_true(srv.run_until([&] { return h.held != nullptr && srv.server.connections.size() == 2; }));
    http_server_drain(srv.server);
    assert_true(await_eof(srv, idle));
    assert_true(idle.in.empty());
    h.held->respond(200, "text/plain", "last");
    assert_true(await_eof(srv, busy));
    assert_int_equal(busy.answers(), 1);
    assert_non_null(strstr(busy.in.c_str(), "Connection: close"));
    idle.leave();
    busy.leave();
    assert_true(await_no_connections(srv));
}

void a_draining_server_accepts_no_new_connection(void **) {
    FakeHandler h;
    TestServer srv(&h);
    http_server_drain(srv.server);
    TestClient client(srv.port);
    client.send(get("/one"));
    assert_true(await_eof(srv, client));
    assert_true(client.in.empty());
    assert_true(h.seen.empty());
    client.leave();
    assert_true(await_no_connections(srv));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipelined_requests_are_answered_in_order),
        cmocka_unit_test(a_body_over_the_limit_gets_413_and_the_connection_closes),
        cmocka_unit_test(a_body_at_the_limit_reaches_the_handler),
        cmocka_unit_test(a_chunked_body_reaches_the_handler_whole),
        cmocka_unit_test(a_client_that_leaves_mid_answer_frees_the_connection),
        cmocka_unit_test(keep_alive_serves_the_next_request_on_the_same_connection),
        cmocka_unit_test(connection_close_from_the_client_closes_after_the_answer),
        cmocka_unit_test(a_handler_may_answer_after_on_request_returns),
        cmocka_unit_test(a_refused_precheck_is_answered_without_calling_the_handler),
        cmocka_unit_test(an_error_the_connection_sends_has_openai_s_shape),
        cmocka_unit_test(past_the_connection_limit_a_client_is_told_503_too_many_connections),
        cmocka_unit_test(draining_closes_an_idle_connection_and_finishes_a_busy_one),
        cmocka_unit_test(a_draining_server_accepts_no_new_connection),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
