// The JSON-RPC client against a stand-in server: a forked child of this
// test that reads the client's lines and writes a script of its own.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "executor/json_rpc_client.h"
#include "cmocka_cpp.h"

namespace {

struct StandIn {
    pid_t pid = -1;
    JsonRpcClient *client = nullptr;
    ~StandIn() {
        delete client;
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

// The child gets the server's ends as stdin/stdout and runs `script`.
void start(StandIn &s, const std::function<void()> &script, size_t max_line = JsonRpcClient::kDefaultMaxLine) {
    int to[2], from[2];
    assert_int_equal(pipe(to), 0);
    assert_int_equal(pipe(from), 0);
    s.pid = fork();
    assert_true(s.pid >= 0);
    if (s.pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[1]), close(from[0]);
        script();
        _exit(0);
    }
    close(to[0]), close(from[1]);
    s.client = new JsonRpcClient(UniqueFd(to[1]), UniqueFd(from[0]), max_line);
}

std::string read_line() {
    std::string l;
    char c;
    while (read(0, &c, 1) == 1 && c != '\n') l.push_back(c);
    return l;
}

void say(const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(1, s.data() + off, s.size() - off);
        if (n <= 0) _exit(3);
        off += static_cast<size_t>(n);
    }
}

RpcWait next(StandIn &s, RpcMessage &m) { return s.client->wait(m, 10000); }

}  // namespace

static void request_gets_its_response(void **) {
    StandIn s;
    start(s, [] {
        std::string l = read_line();
        if (l.find("\"method\":\"initialize\"") == std::string::npos || l.find("\"id\":1") == std::string::npos)
            _exit(4);
        say("{\"id\":1,\"result\":{\"ok\":true}}\n");
    });
    int64_t id = s.client->request("initialize", cJSON_CreateObject());
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_int_equal(m.kind, RpcMessage::Kind::Response);
    assert_int_equal(m.id, id);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m.body, "ok")));
}

static void error_response_carries_code_and_message(void **) {
    StandIn s;
    start(s, [] {
        read_line();
        say("{\"id\":1,\"error\":{\"code\":-32001,\"message\":\"retry later\"}}\n");
    });
    s.client->request("turn/start", nullptr);
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_int_equal(m.kind, RpcMessage::Kind::ErrorResponse);
    assert_int_equal(m.error_code, -32001);
    assert_str_equal(m.error_message, "retry later");
}

static void notification_and_server_request_are_told_apart(void **) {
    StandIn s;
    start(s, [] {
        say("{\"method\":\"turn/started\",\"params\":{\"threadId\":\"t\"}}\n"
            "{\"id\":\"x7\",\"method\":\"item/commandExecution/requestApproval\",\"params\":{}}\n");
        read_line();  // our refusal
    });
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_int_equal(m.kind, RpcMessage::Kind::Notification);
    assert_str_equal(m.method, "turn/started");
    assert_str_equal(cJSON_GetObjectItem(m.body, "threadId")->valuestring, "t");
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_int_equal(m.kind, RpcMessage::Kind::ServerRequest);
    assert_int_equal(m.id, -1);  // not one of ours
    s.client->respond_error(m, -32601, "not supported");
    assert_false(s.client->output_pending());
}

static void non_json_lines_are_counted_and_skipped(void **) {
    StandIn s;
    start(s, [] { say("hello\n[1,2]\n{\"neither\":1}\n\n{\"method\":\"x\"}\n"); });
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_str_equal(m.method, "x");
    assert_int_equal(s.client->non_json_lines(), 3);
}

static void overlong_line_closes_the_connection(void **) {
    StandIn s;
    start(
        s,
        [] {
            say(std::string(5000, 'a'));
            pause();
        },
        1024);
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Closed);
    assert_true(s.client->closed());
    assert_true(s.client->failure().find("over the limit") != std::string::npos);
}

static void messages_read_before_eof_are_still_delivered(void **) {
    StandIn s;
    start(s, [] { say("{\"method\":\"a\"}\n{\"method\":\"b\"}"); });  // the last without newline
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_str_equal(m.method, "a");
    assert_int_equal(next(s, m), RpcWait::Message);
    assert_str_equal(m.method, "b");
    assert_int_equal(next(s, m), RpcWait::Closed);
}

static void silence_is_a_timeout(void **) {
    StandIn s;
    start(s, [] { pause(); });
    RpcMessage m;
    assert_int_equal(s.client->wait(m, 30), RpcWait::Timeout);
}

static void watched_fd_interrupts_the_wait(void **) {
    StandIn s;
    start(s, [] { pause(); });
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    RpcMessage m;
    assert_int_equal(s.client->wait(m, 10000, p[0]), RpcWait::Watched);
    close(p[0]), close(p[1]);
}

// A request larger than the pipe while the server writes a flood before it
// reads: neither side may block the other.
static void large_request_and_flood_do_not_deadlock(void **) {
    StandIn s;
    start(s, [] {
        std::string flood;
        for (int i = 0; i < 20000; i++) flood += "{\"method\":\"n\",\"params\":{\"i\":" + std::to_string(i) + "}}\n";
        say(flood);
        std::string l = read_line();
        say("{\"id\":1,\"result\":{\"bytes\":" + std::to_string(l.size()) + "}}\n");
    });
    s.client->request("turn/start", cJSON_CreateString(std::string(1 << 20, 'p').c_str()));
    RpcMessage m;
    int notes = 0;
    for (;;) {
        assert_int_equal(next(s, m), RpcWait::Message);
        if (m.kind == RpcMessage::Kind::Response) break;
        assert_int_equal(static_cast<int>(cJSON_GetObjectItem(m.body, "i")->valuedouble), notes);
        notes++;
    }
    assert_int_equal(notes, 20000);
    assert_true(cJSON_GetObjectItem(m.body, "bytes")->valuedouble > (1 << 20));
}

static void write_to_a_dead_server_closes(void **) {
    StandIn s;
    start(s, [] {
        close(0);
        close(1);
    });
    waitpid(s.pid, nullptr, 0);
    s.pid = -1;
    s.client->request("x", cJSON_CreateString(std::string(1 << 17, 'p').c_str()));
    RpcMessage m;
    assert_int_equal(next(s, m), RpcWait::Closed);
}

int main() {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_gets_its_response),
        cmocka_unit_test(error_response_carries_code_and_message),
        cmocka_unit_test(notification_and_server_request_are_told_apart),
        cmocka_unit_test(non_json_lines_are_counted_and_skipped),
        cmocka_unit_test(overlong_line_closes_the_connection),
        cmocka_unit_test(messages_read_before_eof_are_still_delivered),
        cmocka_unit_test(silence_is_a_timeout),
        cmocka_unit_test(watched_fd_interrupts_the_wait),
        cmocka_unit_test(large_request_and_flood_do_not_deadlock),
        cmocka_unit_test(write_to_a_dead_server_closes),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
