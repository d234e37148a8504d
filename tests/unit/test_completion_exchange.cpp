// CompletionExchange: a job's text events rebuilt into an answer, checked,
// retried once, and written out — through a real connection on a Unix
// socket whose client is this test, with this binary as the executor.
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "scheduler_harness.h"
#include "supervisor/api/router.h"
#include "supervisor/http/http_connection.h"

namespace {

struct HttpHarness : SchedulerHarness {
    ApiContext api{app_api_context(app)};
    Router router{api};
    uv_pipe_t listener;
    std::string socket_path;
    int client = -1;
    std::string received;

    explicit HttpHarness(uint32_t timeout_ms = 20000) : SchedulerHarness(1, "serve", 8, timeout_ms) {
        // A login codex would use, so that no request is refused for want of one.
        mkdir(app.private_home.dir.c_str(), 0700);
        FILE *f = fopen((app.private_home.dir + "/auth.json").c_str(), "w");
        assert_non_null(f);
        fputs("{\"OPENAI_API_KEY\":\"sk-unit-test\"}", f);
        fclose(f);
        app.http.loop = &loop;
        app.http.cfg = &app.cfg;
        app.http.handler = &router;
        app.http.is_unix = true;
        socket_path = state_dir + "/proxy.sock";
        uv_pipe_init(&loop, &listener, 0);
        listener.data = &app.http;
        assert_int_equal(uv_pipe_bind(&listener, socket_path.c_str()), 0);
        assert_int_equal(uv_listen(reinterpret_cast<uv_stream_t *>(&listener), 8,
                                   [](uv_stream_t *server, int status) {
                                       if (status == 0)
                                           HttpConnection::accept_from(*static_cast<HttpServer *>(server->data),
                                                                       server);
                                   }),
                         0);
        start();
    }

    ~HttpHarness() {
        hang_up();
        assert_true(run_until([&] { return app.http.connections.empty() && sched->idle(); }));
    }

    void hang_up() {
        if (client >= 0) close(client);
        client = -1;
    }

    // Sends a chat completion request; the answer collects in `received`.
    void send_chat(const std::string &content, const std::string &extra = "") {
        client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un sun = {};
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof sun.sun_path, "%s", socket_path.c_str());
        assert_int_equal(connect(client, reinterpret_cast<sockaddr *>(&sun), sizeof sun), 0);
        std::string body =
            "{\"model\":\"codex\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]" + extra + "}";
        std::string req =
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        assert_int_equal(write(client, req.data(), req.size()), static_cast<ssize_t>(req.size()));
        fcntl(client, F_SETFL, O_NONBLOCK);
    }

    void read_available() {
        char buf[65536];
        ssize_t n;
        while (client >= 0 && (n = read(client, buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
    }

    bool response_complete() {
        read_available();
        size_t head_end = received.find("\r\n\r\n");
        if (head_end == std::string::npos) return false;
        std::string head = received.substr(0, head_end);
        size_t cl = head.find("Content-Length: ");
        if (cl != std::string::npos)
            return received.size() - head_end - 4 >= std::stoul(head.substr(cl + strlen("Content-Length: ")));
        return received.size() >= 5 && received.compare(received.size() - 5, 5, "0\r\n\r\n") == 0;
    }

    void await_response() {
        assert_true(run_until([&] { return response_complete(); }));
    }

    int status() const { return atoi(received.c_str() + strlen("HTTP/1.1 ")); }

    std::string body() const {
        size_t head_end = received.find("\r\n\r\n");
        std::string head = received.substr(0, head_end), raw = received.substr(head_end + 4);
        if (head.find("Transfer-Encoding: chunked") == std::string::npos) return raw;
        std::string out;
        for (size_t pos = 0;;) {
            size_t eol = raw.find("\r\n", pos);
            if (eol == std::string::npos) return out;
            size_t n = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
            if (n == 0) return out;
            out += raw.substr(eol + 2, n);
            pos = eol + 2 + n + 2;
        }
    }
};

// A JSON document's string or number at a path of keys and indexes.
struct Json {
    cJSON *doc;
    explicit Json(const std::string &text) : doc(cJSON_Parse(text.c_str())) { assert_non_null(doc); }
    ~Json() { cJSON_Delete(doc); }
    cJSON *at(std::initializer_list<const char *> path) const {
        cJSON *n = doc;
        for (const char *k : path)
            n = isdigit(static_cast<unsigned char>(*k)) ? cJSON_GetArrayItem(n, atoi(k)) : cJSON_GetObjectItem(n, k);
        assert_non_null(n);
        return n;
    }
    std::string str(std::initializer_list<const char *> path) const {
        cJSON *n = at(path);
        assert_true(cJSON_IsString(n));
        return n->valuestring;
    }
    double num(std::initializer_list<const char *> path) const { return at(path)->valuedouble; }
};

std::string content_of(const HttpHarness &h) {
    assert_int_equal(h.status(), 200);
    return Json(h.body()).str({"choices", "0", "message", "content"});
}

// The content pieces of a streamed answer, in order (the opening role
// chunk's empty content left out).
std::vector<std::string> streamed_contents(const std::string &sse) {
    std::vector<std::string> out;
    for (size_t pos = 0; (pos = sse.find("data: {", pos)) != std::string::npos;) {
        size_t end = sse.find("\n\n", pos);
        Json j(sse.substr(pos + 6, end - pos - 6));
        cJSON *choice = cJSON_GetArrayItem(cJSON_GetObjectItem(j.doc, "choices"), 0);
        cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(choice, "delta"), "content");
        if (cJSON_IsString(c) && *c->valuestring) out.push_back(c->valuestring);
        pos = end;
    }
    return out;
}

constexpr const char *kJsonObject = ",\"response_format\":{\"type\":\"json_object\"}";
// {"a":1}, percent-encoded for a script.
constexpr const char *kGoodJson = "%7B%22a%22:1%7D";

}  // namespace

static void free_text_is_streamed_while_the_job_still_runs(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel delta=lo hang", ",\"stream\":true");
    assert_true(h.run_until([&] {
        h.read_available();
        return h.received.find("\"content\":\"lo\"") != std::string::npos;
    }));
    std::vector<std::string> parts = streamed_contents(h.body());
    assert_int_equal(parts.size(), 2);
    assert_str_equal(parts[0], "Hel");
    assert_str_equal(parts[1], "lo");
    assert_false(h.sched->idle());  // the job goes on; the client leaving cancels it
}

static void streamed_free_text_ends_with_done(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel delta=lo end= usage done", ",\"stream\":true");
    h.await_response();
    std::string body = h.body();
    std::vector<std::string> parts = streamed_contents(body);
    assert_int_equal(parts.size(), 2);
    assert_true(body.find("data: [DONE]") != std::string::npos);
}

static void a_whole_answer_joins_the_deltas_of_a_message(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel delta=lo end= usage done");
    h.await_response();
    assert_str_equal(content_of(h), "Hello");
}

// The text contract: a message is its deltas, then the rest its end carries.
static void a_message_is_its_deltas_followed_by_the_rest_its_end_carries(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel end=lo usage done");
    h.await_response();
    assert_str_equal(content_of(h), "Hello");
}

static void several_messages_of_free_text_are_separated_by_a_blank_line(void **) {
    HttpHarness h;
    h.send_chat("FAKE: end=one end=two usage done");
    h.await_response();
    assert_str_equal(content_of(h), "one\n\ntwo");
}

static void a_streamed_message_and_a_whole_one_are_separated_too(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel delta=lo end= end=two usage done", ",\"stream\":true");
    h.await_response();
    std::vector<std::string> parts = streamed_contents(h.body());
    std::string all;
    for (auto &p : parts) all += p;
    assert_str_equal(all, "Hello\n\ntwo");
}

static void a_checked_answer_is_read_from_the_final_message(void **) {
    HttpHarness h;
    h.send_chat(std::string("FAKE: end=let%20me%20think delta=%7B%22a%22 delta=:1%7D end= usage done"), kJsonObject);
    h.await_response();
    assert_str_equal(content_of(h), "{\"a\":1}");
}

static void a_checked_answer_is_not_streamed_before_its_check(void **) {
    HttpHarness h;
    h.send_chat(std::string("FAKE: delta=%7B%22a%22 hang"), std::string(kJsonObject) + ",\"stream\":true");
    // The executor got the job and sent its delta; nothing of it is out.
    assert_true(h.run_until([&] { return h.sched->counts().busy == 1; }));
    h.run_for(300);
    h.read_available();
    assert_true(streamed_contents(h.body()).empty());
}

static void a_checked_answer_that_fails_its_check_is_asked_for_once_more(void **) {
    HttpHarness h;
    h.send_chat(std::string("FAKE: end=not%20json usage done || end=") + kGoodJson + " usage done", kJsonObject);
    h.await_response();
    assert_str_equal(content_of(h), "{\"a\":1}");
}

static void the_retry_asks_again_naming_the_problem(void **) {
    HttpHarness h;
    h.send_chat("FAKE: remember-prompt end=not%20json done || prompt-extends-json=not%20valid%20JSON done",
                kJsonObject);
    h.await_response();
    assert_str_equal(content_of(h), "{\"a\":1}");
}

static void a_second_failure_is_502_invalid_model_output(void **) {
    HttpHarness h;
    // A third attempt would be answered well: there must be none.
    h.send_chat(
        std::string("FAKE: end=not%20json usage done || end=still%20not usage done || end=") + kGoodJson + " done",
        kJsonObject);
    h.await_response();
    assert_int_equal(h.status(), 502);
    Json j(h.body());
    assert_str_equal(j.str({"error", "code"}), "invalid_model_output");
    assert_str_equal(j.str({"error", "type"}), "server_error");
}

static void the_retry_runs_within_what_is_left_of_the_request_time(void **) {
    HttpHarness h(20000);
    h.send_chat("FAKE: sleep=300 end=not%20json done || echo-timeout-json done", kJsonObject);
    h.await_response();
    Json answer(content_of(h));
    double given = answer.num({"timeout_ms"});
    assert_true(given <= 20000 - 300);
    assert_true(given > 0);
}

static void a_checked_answer_is_not_retried_with_less_than_a_second_left(void **) {
    HttpHarness h(1600);
    h.send_chat(std::string("FAKE: sleep=700 end=not%20json done || end=") + kGoodJson + " done", kJsonObject);
    h.await_response();
    assert_int_equal(h.status(), 502);
    assert_str_equal(Json(h.body()).str({"error", "code"}), "invalid_model_output");
}

static void usage_is_summed_over_both_attempts(void **) {
    HttpHarness h;
    h.send_chat(std::string("FAKE: end=not%20json usage done || end=") + kGoodJson + " usage done", kJsonObject);
    h.await_response();
    Json j(h.body());
    assert_int_equal(static_cast<int>(j.num({"usage", "prompt_tokens"})), 6);
    assert_int_equal(static_cast<int>(j.num({"usage", "completion_tokens"})), 4);
}

static void a_lost_executor_is_502_executor_lost(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=partial die");
    h.await_response();
    assert_int_equal(h.status(), 502);
    assert_str_equal(Json(h.body()).str({"error", "code"}), "executor_lost");
}

static void a_backend_timeout_is_504(void **) {
    HttpHarness h;
    h.send_chat("FAKE: done=timeout");
    h.await_response();
    assert_int_equal(h.status(), 504);
    assert_str_equal(Json(h.body()).str({"error", "code"}), "timeout");
}

static void a_failure_mid_stream_ends_the_stream_with_an_error_event(void **) {
    HttpHarness h;
    h.send_chat("FAKE: delta=Hel end= done=model_failed", ",\"stream\":true");
    h.await_response();
    std::string body = h.body();
    assert_true(body.find("\"upstream_error\"") != std::string::npos);
    assert_true(body.find("[DONE]") == std::string::npos);
}

static void a_client_that_leaves_cancels_its_job(void **) {
    HttpHarness h;
    pid_t pid = h.sched->executor_pids().at(0);
    h.send_chat("FAKE: delta=x hang", ",\"stream\":true");
    assert_true(h.run_until([&] {
        h.read_available();
        return h.received.find("\"content\":\"x\"") != std::string::npos;
    }));
    h.hang_up();
    assert_true(h.run_until([&] { return h.sched->idle() && h.sched->counts().idle == 1; }));
    assert_int_equal(h.sched->executor_pids().at(0), pid);  // cancelled, not killed
}

int main() {
    FAKE_EXECUTOR_MAIN_PROLOGUE();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_text_is_streamed_while_the_job_still_runs),
        cmocka_unit_test(streamed_free_text_ends_with_done),
        cmocka_unit_test(a_whole_answer_joins_the_deltas_of_a_message),
        cmocka_unit_test(a_message_is_its_deltas_followed_by_the_rest_its_end_carries),
        cmocka_unit_test(several_messages_of_free_text_are_separated_by_a_blank_line),
        cmocka_unit_test(a_streamed_message_and_a_whole_one_are_separated_too),
        cmocka_unit_test(a_checked_answer_is_read_from_the_final_message),
        cmocka_unit_test(a_checked_answer_is_not_streamed_before_its_check),
        cmocka_unit_test(a_checked_answer_that_fails_its_check_is_asked_for_once_more),
        cmocka_unit_test(the_retry_asks_again_naming_the_problem),
        cmocka_unit_test(a_second_failure_is_502_invalid_model_output),
        cmocka_unit_test(the_retry_runs_within_what_is_left_of_the_request_time),
        cmocka_unit_test(a_checked_answer_is_not_retried_with_less_than_a_second_left),
        cmocka_unit_test(usage_is_summed_over_both_attempts),
        cmocka_unit_test(a_lost_executor_is_502_executor_lost),
        cmocka_unit_test(a_backend_timeout_is_504),
        cmocka_unit_test(a_failure_mid_stream_ends_the_stream_with_an_error_event),
        cmocka_unit_test(a_client_that_leaves_cancels_its_job),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
