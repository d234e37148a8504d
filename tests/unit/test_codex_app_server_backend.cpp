// The app-server backend against a stand-in `codex app-server`: this test
// binary re-run with "app-server" as its first argument (libuv's
// test-spawn.c trick), scripted by STANDIN_MODE.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/json_doc.h"
#include "common/monotonic.h"
#include "executor/backend.h"
#include "cmocka_cpp.h"

namespace {

// ---- the stand-in server ----

void say(const std::string &s) {
    std::string l = s + "\n";
    if (write(1, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(3);
}

bool read_line(std::string &l) {
    l.clear();
    char c;
    for (;;) {
        ssize_t n = read(0, &c, 1);
        if (n <= 0) return false;
        if (c == '\n') return true;
        l.push_back(c);
    }
}

void note(const char *what) {
    const char *log = getenv("STANDIN_LOG");
    if (!log) return;
    FILE *f = fopen(log, "a");
    if (f) fprintf(f, "%s\n", what), fclose(f);
}

const char kRateLimitsResult[] =
    R"(,"result":{"rateLimits":{"limitId":"codex","primary":{"usedPercent":42,"windowDurationMins":300,)"
    R"("resetsAt":1800000000},"secondary":{"usedPercent":7,"windowDurationMins":10080,"resetsAt":1900000000}},)"
    R"("rateLimitsByLimitId":null}})";
std::string unanswered_read;  // rate_limits_late: the read's id, answered after the turn

void answer_turn(const std::string &mode, const std::string &id) {
    const std::string th = R"("threadId":"th-1")";
    say(R"({"id":)" + id + R"(,"result":{"turn":{"id":"tu-1","status":"inProgress"}}})");
    say(R"({"method":"turn/started","params":{)" + th + R"(,"turn":{"id":"tu-1","status":"inProgress"}}})");
    if (mode == "usage_limit") {
        say(R"({"method":"error",)"
            R"("params":{)" +
            th +
            R"(,"turnId":"tu-1","willRetry":false,"error":{"message":"limit",)"
            R"("codexErrorInfo":"usageLimitExceeded"}}})");
        say(R"({"method":"turn/completed",)"
            R"("params":{)" +
            th +
            R"(,"turn":{"id":"tu-1","status":"failed","error":{"message":"limit",)"
            R"("codexErrorInfo":"usageLimitExceeded"}}}})");
        return;
    }
    if (mode == "hang" || mode == "interruptible") return;
    if (mode == "garbage_then_silence") {  // alone in its read, nothing after it
        usleep(100000);
        say("this is not JSON either");
        pause();
    }
    say(R"({"method":"item/agentMessage/delta","params":{)" + th + R"(,"turnId":"tu-1","itemId":"m1","delta":"Hel"}})");
    if (mode == "crash") _exit(1);
    if (mode == "garbage") say("this is not JSON");

    say(R"({"method":"item/agentMessage/delta","params":{)" + th + R"(,"turnId":"tu-1","itemId":"m1","delta":"lo"}})");
    say(R"({"method":"item/completed",)"
        R"("params":{)" +
        th + R"(,"turnId":"tu-1","item":{"type":"agentMessage","id":"m1","text":"Hello"}}})");
    say(R"({"method":"thread/tokenUsage/updated",)"
        R"("params":{)" +
        th +
        R"(,"turnId":"tu-1","tokenUsage":{"total":{"inputTokens":11,"cachedInputTokens":2,"outputTokens":5,)"
        R"("reasoningOutputTokens":1}}}})");
    say(R"({"method":"turn/completed",)"
        R"("params":{)" +
        th + R"(,"turn":{"id":"tu-1","status":"completed","error":null}}})");
    if (mode == "die_after_turn") _exit(0);
    if (mode == "rate_limits_late" && !unanswered_read.empty()) {
        note("read answered");
        std::string reply = R"({"id":)";
        reply += unanswered_read;
        reply += kRateLimitsResult;
        say(reply);
        unanswered_read.clear();
    }
}

[[noreturn]] void stand_in() {
    std::string mode = getenv("STANDIN_MODE") ? getenv("STANDIN_MODE") : "ok";
    if (mode == "exit") _exit(3);
    bool refused_once = false;
    std::string l;
    while (read_line(l)) {
        JsonDoc d(l);
        const cJSON *m = cJSON_GetObjectItem(d.root, "method");
        const cJSON *idv = cJSON_GetObjectItem(d.root, "id");
        if (!cJSON_IsString(m)) continue;
        std::string method = m->valuestring, id = cJSON_IsNumber(idv) ? std::to_string(idv->valueint) : "";
        if (method == "initialize") {
            if (mode == "mute") continue;
            note("init");
            say(R"({"id":)" + id + R"(,"result":{"userAgent":"stand-in"}})");
        } else if (method == "thread/start") {
            say(R"({"id":)" + id + R"(,"result":{"thread":{"id":"th-1"}}})");
        } else if (method == "account/rateLimits/read") {
            note("read");
            if (mode == "rate_limits") say(R"({"id":)" + id + kRateLimitsResult);
            else if (mode == "rate_limits_late") unanswered_read = id;
            else if (mode == "rate_limits_refused")  // what codex says for an API-key login
                say(R"({"id":)" + id +
                    R"(,"error":{"code":-32600,"message":"chatgpt authentication required to read rate limits"}})");
            else say(R"({"id":)" + id + R"(,"result":{}})");
        } else if (method == "turn/start" && mode == "overloaded" && !refused_once) {
            refused_once = true;  // a full ingress queue, once
            say(R"({"id":)" + id + R"(,"error":{"code":-32001,"message":"Server overloaded; retry later."}})");
        } else if (method == "turn/start") {
            answer_turn(mode, id);
        } else if (method == "turn/interrupt" && mode == "interruptible") {
            say(R"({"id":)" + id + R"(,"result":{}})");
            say(R"({"method":"turn/completed","params":{"threadId":"th-1","turn":{"id":"tu-1",)"
                R"("status":"interrupted"}}})");
        } else if (!id.empty() && method != "turn/interrupt") {
            say(R"({"id":)" + id + R"(,"result":{}})");
        }
    }
    _exit(0);
}

// ---- the test side ----

class RecordingChannel final : public JobChannel {
public:
    RecordingChannel() {
        if (pipe(cancel_) != 0) abort();
    }
    ~RecordingChannel() override { close(cancel_[0]), close(cancel_[1]); }
    int control_fd() const override { return cancel_[0]; }
    bool control_ready() override { return true; }
    void cancel() { (void)!write(cancel_[1], "c", 1); }
    void text_delta(std::string_view t) override { log += "d:" + std::string(t) + ";"; }
    void message_end(std::string_view t) override { log += "e:" + std::string(t) + ";"; }
    void usage(const ipc::UsageMsg &u) override { log += "u:" + std::to_string(u.input_tokens) + ";"; }
    void usage_windows(const ipc::UsageWindowsMsg &w) override { log += "w:" + std::to_string(w.windows.size()) + ";"; }
    std::string log;

private:
    int cancel_[2];
};

struct Fixture {
    std::string base, job_dir, start_log;
    ExecutorSetup setup;
    std::unique_ptr<Backend> backend;
};

std::string self_exe() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) abort();
    return std::string(buf, static_cast<size_t>(n));
}

Fixture *fixture(const char *mode) {
    auto *f = new Fixture;
    char tmpl[] = "/tmp/test-app-server-XXXXXX";
    f->base = mkdtemp(tmpl);
    f->job_dir = f->base + "/job";
    mkdir(f->job_dir.c_str(), 0700);
    f->start_log = f->base + "/starts";
    setenv("STANDIN_MODE", mode, 1);
    setenv("STANDIN_LOG", f->start_log.c_str(), 1);
    f->setup.backend = "app-server";
    f->setup.codex_bin = self_exe();
    f->setup.workdir = f->base;
    f->setup.codex_home = f->base;
    std::string error;
    f->backend = make_backend("app-server", f->setup, error);
    assert_non_null(f->backend.get());
    return f;
}

void teardown(Fixture *f) {
    f->backend->stop();
    std::string cmd = "rm -rf '" + f->base + "'";
    (void)!system(cmd.c_str());
    delete f;
}

int noted(const Fixture &f, const char *what = "init") {
    FILE *fp = fopen(f.start_log.c_str(), "r");
    if (!fp) return 0;
    int n = 0;
    char line[64];
    while (fgets(line, sizeof line, fp)) n += line == std::string(what) + "\n";
    fclose(fp);
    return n;
}

int starts(const Fixture &f) { return noted(f); }

ipc::DoneMsg run_job(Fixture &f, RecordingChannel &ch, uint32_t timeout_ms = 10000) {
    ipc::JobMsg job;
    job.timeout_ms = timeout_ms;
    job.prompt = "Say hello";
    return f.backend->run(job, f.job_dir, ch);
}

}  // namespace

static void start_completes_initialize(void **) {
    Fixture *f = fixture("ok");
    std::string error;
    assert_true(f->backend->start(error));
    assert_int_equal(starts(*f), 1);
    assert_string_equal(f->backend->name(), "codex-app-server");
    teardown(f);
}

static void turn_streams_deltas_then_ends_the_message_then_usage(void **) {
    Fixture *f = fixture("ok");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::Ok);
    assert_str_equal(ch.log, "d:Hel;d:lo;e:;u:11;");
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    teardown(f);
}

static void usage_windows_are_read_during_the_turn_once_a_minute(void **) {
    Fixture *f = fixture("rate_limits");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_str_equal(ch.log, "w:2;d:Hel;d:lo;e:;u:11;");
    RecordingChannel again;
    assert_int_equal(run_job(*f, again).outcome, ipc::Outcome::Ok);
    assert_str_equal(again.log, "d:Hel;d:lo;e:;u:11;");
    assert_int_equal(noted(*f, "read"), 1);
    teardown(f);
}

static void refused_usage_windows_read_leaves_the_job_fine(void **) {
    Fixture *f = fixture("rate_limits_refused");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_str_equal(ch.log, "d:Hel;d:lo;e:;u:11;");
    assert_int_equal(noted(*f, "read"), 1);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    teardown(f);
}

// The stand-in answers the read only after the turn completed: a job that
// waited for it before its turn would sit out the read's timeout first.
static void the_turn_does_not_wait_for_the_usage_windows_read(void **) {
    Fixture *f = fixture("rate_limits_late");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    uint64_t t0 = monotonic_ms();
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_true(monotonic_ms() - t0 < 2000);  // a backstop; the order below is the proof
    assert_str_equal(ch.log, "d:Hel;d:lo;e:;u:11;");
    assert_int_equal(noted(*f, "read"), 1);
    RecordingChannel again;
    assert_int_equal(run_job(*f, again).outcome, ipc::Outcome::Ok);
    assert_str_equal(again.log, "w:2;d:Hel;d:lo;e:;u:11;");
    assert_int_equal(noted(*f, "read"), 1);
    assert_int_equal(noted(*f, "read answered"), 1);
    teardown(f);
}

static void usage_limit_is_rate_limited(void **) {
    Fixture *f = fixture("usage_limit");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::RateLimited);
    assert_str_equal(ch.log, "");
    teardown(f);
}

static void crash_mid_turn_fails_the_job_and_asks_for_a_recycle(void **) {
    Fixture *f = fixture("crash");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::BackendFailed);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Recycle);
    teardown(f);
}

static void non_json_output_fails_the_job_and_asks_for_a_recycle(void **) {
    Fixture *f = fixture("garbage");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::BackendFailed);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Recycle);
    teardown(f);
}

// Nothing valid follows the bad line: the job must still end at once.
static void non_json_output_then_silence_fails_the_job_at_once(void **) {
    Fixture *f = fixture("garbage_then_silence");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch, 60000);
    assert_int_equal(d.outcome, ipc::Outcome::BackendFailed);
    assert_true(d.detail.find("not JSON-RPC") != std::string::npos);
    assert_true(d.backend_ms < 30000);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Recycle);
    teardown(f);
}

static void cancel_interrupts_the_turn_and_keeps_the_server(void **) {
    Fixture *f = fixture("interruptible");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ch.cancel();
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::Cancelled);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    teardown(f);
}

static void ignored_interrupt_on_timeout_asks_for_a_recycle(void **) {
    Fixture *f = fixture("hang");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch, 300);
    assert_int_equal(d.outcome, ipc::Outcome::Timeout);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Recycle);
    teardown(f);
}

static void turn_limit_asks_for_a_recycle(void **) {
    Fixture *f = fixture("ok");
    f->setup.app_server_max_turns = 2;
    std::string error;
    f->backend = make_backend("app-server", f->setup, error);
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    run_job(*f, ch);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    run_job(*f, ch);
    BackendHealth h = f->backend->health();
    assert_int_equal(h.state, BackendHealth::State::Recycle);
    assert_str_equal(h.reason, "turn limit");
    teardown(f);
}

static void changed_login_restarts_the_server_before_the_turn(void **) {
    Fixture *f = fixture("ok");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    run_job(*f, ch);
    assert_int_equal(starts(*f), 1);
    std::string auth = f->base + "/auth.json";
    FILE *fp = fopen(auth.c_str(), "w");
    fputs("{\"tokens\":{}}", fp);
    fclose(fp);
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_int_equal(starts(*f), 2);
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_int_equal(starts(*f), 2);  // unchanged since: no restart
    teardown(f);
}

static void overloaded_server_is_asked_again(void **) {
    Fixture *f = fixture("overloaded");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::Ok);
    assert_str_equal(ch.log, "d:Hel;d:lo;e:;u:11;");
    teardown(f);
}

static BackendHealth health_with(const char *mode, void (*tune)(ExecutorSetup &)) {
    Fixture *f = fixture(mode);
    tune(f->setup);
    std::string error;
    f->backend = make_backend("app-server", f->setup, error);
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    usleep(20000);
    BackendHealth h = f->backend->health();
    teardown(f);
    return h;
}

static void idle_limit_asks_for_a_recycle(void **) {
    BackendHealth h = health_with("ok", [](ExecutorSetup &s) { s.app_server_max_idle_ms = 5; });
    assert_int_equal(h.state, BackendHealth::State::Recycle);
    assert_str_equal(h.reason, "idle limit");
}

static void rss_limit_asks_for_a_recycle(void **) {
    BackendHealth h = health_with("ok", [](ExecutorSetup &s) { s.app_server_max_rss_mb = 1; });
    assert_int_equal(h.state, BackendHealth::State::Recycle);
    assert_str_equal(h.reason, "RSS limit");
}

static void server_dead_while_idle_asks_for_a_recycle(void **) {
    BackendHealth h = health_with("die_after_turn", [](ExecutorSetup &) {});
    assert_int_equal(h.state, BackendHealth::State::Recycle);
    assert_true(h.reason.find("died") != std::string::npos);
}

static void healthy_server_within_limits_is_kept(void **) {
    BackendHealth h = health_with("ok", [](ExecutorSetup &) {});
    assert_int_equal(h.state, BackendHealth::State::Ok);
}

// A login due for refresh: the server would refresh it as it starts, so it
// starts with the next job (run alone by the supervisor while it is due).
static void due_login_defers_the_start_to_the_next_job(void **) {
    Fixture *f = fixture("ok");
    std::string auth = f->base + "/auth.json";
    FILE *fp = fopen(auth.c_str(), "w");
    fputs(R"({"tokens":{"access_token":"e30.eyJleHAiOjF9.sig"},"last_refresh":"2026-01-01T00:00:00Z"})", fp);
    fclose(fp);
    std::string error;
    assert_true(f->backend->start(error));
    assert_int_equal(starts(*f), 0);
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    assert_int_equal(starts(*f), 0);
    RecordingChannel ch;
    assert_int_equal(run_job(*f, ch).outcome, ipc::Outcome::Ok);
    assert_int_equal(starts(*f), 1);
    teardown(f);
}

static void server_that_cannot_start_fails_each_job_at_once(void **) {
    Fixture *f = fixture("ok");
    f->setup.codex_bin = f->base + "/no-such-codex";
    std::string error;
    f->backend = make_backend("app-server", f->setup, error);
    assert_true(f->backend->start(error));  // the executor still serves
    assert_int_equal(f->backend->health().state, BackendHealth::State::Ok);
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::SpawnFailed);
    assert_true(d.detail.find("No such file") != std::string::npos);
    teardown(f);
}

static void server_that_ends_before_initialize_fails_the_job(void **) {
    Fixture *f = fixture("exit");
    std::string error;
    assert_true(f->backend->start(error));
    RecordingChannel ch;
    ipc::DoneMsg d = run_job(*f, ch);
    assert_int_equal(d.outcome, ipc::Outcome::SpawnFailed);
    assert_int_equal(starts(*f), 0);
    teardown(f);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "app-server") == 0) stand_in();
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_completes_initialize),
        cmocka_unit_test(turn_streams_deltas_then_ends_the_message_then_usage),
        cmocka_unit_test(usage_windows_are_read_during_the_turn_once_a_minute),
        cmocka_unit_test(the_turn_does_not_wait_for_the_usage_windows_read),
        cmocka_unit_test(refused_usage_windows_read_leaves_the_job_fine),
        cmocka_unit_test(usage_limit_is_rate_limited),
        cmocka_unit_test(crash_mid_turn_fails_the_job_and_asks_for_a_recycle),
        cmocka_unit_test(non_json_output_fails_the_job_and_asks_for_a_recycle),
        cmocka_unit_test(non_json_output_then_silence_fails_the_job_at_once),
        cmocka_unit_test(cancel_interrupts_the_turn_and_keeps_the_server),
        cmocka_unit_test(ignored_interrupt_on_timeout_asks_for_a_recycle),
        cmocka_unit_test(turn_limit_asks_for_a_recycle),
        cmocka_unit_test(changed_login_restarts_the_server_before_the_turn),
        cmocka_unit_test(overloaded_server_is_asked_again),
        cmocka_unit_test(idle_limit_asks_for_a_recycle),
        cmocka_unit_test(rss_limit_asks_for_a_recycle),
        cmocka_unit_test(server_dead_while_idle_asks_for_a_recycle),
        cmocka_unit_test(healthy_server_within_limits_is_kept),
        cmocka_unit_test(due_login_defers_the_start_to_the_next_job),
        cmocka_unit_test(server_that_cannot_start_fails_each_job_at_once),
        cmocka_unit_test(server_that_ends_before_initialize_fails_the_job),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
