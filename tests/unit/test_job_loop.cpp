// The job loop against a fake Backend, over a socketpair: the loop runs in
// a forked child (it blocks, and returns the executor's exit code); the test
// is the supervisor. The fake backend writes what it is asked to do to a
// trace pipe, read once the child has exited.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/ipc_frame.h"
#include "common/ipc_messages.h"
#include "executor/backend.h"
#include "executor/control_channel.h"
#include "executor/job_loop.h"
#include "supervisor/jobs/executor_protocol.h"
#include "cmocka_cpp.h"

namespace {

// What the fake backend does; set before the fork.
struct Script {
    bool start_fails = false;
    bool restart_fails = false;  // every start() after the first fails
    int restart_ms = 0;          // every start() after the first takes this long
    int prepare_ms = 0;          // prepare_next() takes this long, then is traced ("prepare")
    int idle_check_ms = -1;
    BackendHealth::State health_after_first = BackendHealth::State::Ok;  // the first health() answer
    std::string run = "answer";  // answer | open-message | wait-cancel | large | text-after-usage
};

class FakeBackend final : public Backend {
public:
    FakeBackend(const Script &s, int trace_fd) : s_(s), trace_(trace_fd) {}
    const char *name() const override { return "fake"; }
    bool start(std::string &error) override {
        trace("start");
        if (starts_ > 0 && s_.restart_ms) usleep(static_cast<useconds_t>(s_.restart_ms) * 1000);
        if (s_.start_fails || (starts_++ > 0 && s_.restart_fails)) {
            error = "scripted start failure";
            return false;
        }
        return true;
    }
    ipc::DoneMsg run(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) override;
    BackendHealth health() override {
        trace("health");
        BackendHealth h;
        if (healths_++ == 0) h.state = s_.health_after_first;
        h.reason = "scripted";
        return h;
    }
    int idle_check_ms() const override { return s_.idle_check_ms; }
    void prepare_next() override {
        if (!s_.prepare_ms) return;
        usleep(static_cast<useconds_t>(s_.prepare_ms) * 1000);
        trace("prepare");
    }
    void stop() override { trace("stop"); }

private:
    void trace(const char *what) {
        std::string line = std::string(what) + "\n";
        ssize_t ignored = write(trace_, line.data(), line.size());
        (void)ignored;
    }
    Script s_;
    int trace_;
    int starts_ = 0, healths_ = 0;
};

ipc::DoneMsg FakeBackend::run(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) {
    trace(("run " + job.prompt).c_str());
    ipc::DoneMsg d;
    if (dir.empty()) d.outcome = ipc::Outcome::SpawnFailed;
    if (s_.run == "answer") {
        ch.text_delta("a");
        ch.text_delta("b");
        ch.message_end("c");
        ch.message_end("whole");
        ch.usage(ipc::UsageMsg{5, 0, 7, 0});
    } else if (s_.run == "open-message") {
        ch.text_delta("cut");
    } else if (s_.run == "text-after-usage") {
        ch.message_end("m");
        ch.usage(ipc::UsageMsg{});
        ch.text_delta("late");
    } else if (s_.run == "large") {
        ch.message_end(std::string(3u << 20, 'x') + "\xc3\xa9");
    } else if (s_.run == "wait-cancel") {
        for (;;) {
            struct pollfd p = {ch.control_fd(), POLLIN, 0};
            if (poll(&p, 1, 10000) <= 0) break;  // the test fails on the outcome then
            if (ch.control_ready()) {
                d.outcome = ipc::Outcome::Cancelled;
                break;
            }
        }
    }
    return d;
}

struct Loop {
    pid_t pid = -1;
    int sup = -1;  // the supervisor's end
    int trace_r = -1;
    ipc::FrameReader reader;
};

std::string g_workdir;

Loop start_loop(const Script &s) {
    int sv[2], tr[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(pipe(tr), 0);
    Loop l;
    l.pid = fork();
    assert_true(l.pid >= 0);
    if (l.pid == 0) {
        close(sv[0]);
        close(tr[0]);
        ControlChannel ctl(sv[1]);
        FakeBackend b(s, tr[1]);
        JobLoopOptions o;
        o.workdir = g_workdir;
        o.restart_attempts = 2;
        o.first_backoff_ms = 1;
        o.max_backoff_ms = 2;
        _exit(job_loop_run(ctl, b, o));
    }
    close(sv[1]);
    close(tr[1]);
    l.sup = sv[0];
    l.trace_r = tr[0];
    return l;
}

void send_frame(Loop &l, ipc::MsgType t, uint64_t job_id, const std::string &payload) {
    std::string f;
    ipc::frame_append(f, t, job_id, payload);
    assert_int_equal(write(l.sup, f.data(), f.size()), static_cast<ssize_t>(f.size()));
}

void send_job(Loop &l, uint64_t id, const char *prompt) {
    ipc::JobMsg j;
    j.timeout_ms = 10000;
    j.prompt = prompt;
    send_frame(l, ipc::MsgType::Job, id, ipc::encode(j));
}

// The next frame; false at EOF. A generous bound only against a hang.
bool next_frame(Loop &l, ipc::FrameHeader &h, std::string &payload) {
    for (;;) {
        ipc::FrameStatus st = l.reader.next(h, payload);
        if (st == ipc::FrameStatus::Complete) return true;
        assert_int_equal(st, ipc::FrameStatus::NeedMore);
        struct pollfd p = {l.sup, POLLIN, 0};
        if (poll(&p, 1, 20000) != 1) fail_msg("no frame from the job loop within 20 s");
        char buf[65536];
        ssize_t n = read(l.sup, buf, sizeof buf);
        if (n <= 0) return false;
        l.reader.feed(buf, static_cast<size_t>(n));
    }
}

ipc::FrameHeader expect_frame(Loop &l, ipc::MsgType t, std::string *payload = nullptr) {
    ipc::FrameHeader h;
    std::string p;
    if (!next_frame(l, h, p)) fail_msg("the job loop closed the channel; expected %s", ipc::msg_type_name(t));
    if (h.type != t) fail_msg("got %s, expected %s", ipc::msg_type_name(h.type), ipc::msg_type_name(t));
    if (payload) *payload = p;
    return h;
}

std::string expect_text(Loop &l, ipc::MsgType t) {
    std::string p;
    expect_frame(l, t, &p);
    ipc::TextMsg m;
    assert_true(ipc::decode(p, m));
    return m.text;
}

// Closes the supervisor's end, waits for the exit code, returns the trace.
int finish(Loop &l, std::string &trace) {
    close(l.sup);
    int status = 0;
    assert_int_equal(waitpid(l.pid, &status, 0), l.pid);
    char buf[4096];
    ssize_t n;
    while ((n = read(l.trace_r, buf, sizeof buf)) > 0) trace.append(buf, static_cast<size_t>(n));
    close(l.trace_r);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

// The six frames of the fake backend's "answer".
void expect_answer(Loop &l) {
    const ipc::MsgType want[] = {ipc::MsgType::TextDelta,  ipc::MsgType::TextDelta, ipc::MsgType::MessageEnd,
                                 ipc::MsgType::MessageEnd, ipc::MsgType::Usage,     ipc::MsgType::Done};
    for (ipc::MsgType t : want) expect_frame(l, t);
}

// Reads the trace as it is written until it has the line (bounded against a hang).
void wait_for_trace(Loop &l, std::string &trace, const std::string &line) {
    char buf[256];
    while (trace.find(line + "\n") == std::string::npos) {
        struct pollfd p = {l.trace_r, POLLIN, 0};
        if (poll(&p, 1, 20000) != 1) fail_msg("no '%s' from the fake backend within 20 s", line.c_str());
        ssize_t n = read(l.trace_r, buf, sizeof buf);
        assert_true(n > 0);
        trace.append(buf, static_cast<size_t>(n));
    }
}

int count(const std::string &trace, const std::string &line) {
    int n = 0;
    for (size_t at = 0; (at = trace.find(line + "\n", at)) != std::string::npos; at += line.size()) n++;
    return n;
}

}  // namespace

static void ready_comes_after_a_started_backend(void **) {
    Loop l = start_loop(Script{});
    std::string p, trace;
    expect_frame(l, ipc::MsgType::Ready, &p);
    ipc::ReadyMsg r;
    assert_true(ipc::decode(p, r));
    assert_str_equal(r.backend, "fake");
    assert_int_equal(r.pid, l.pid);
    assert_int_equal(finish(l, trace), 0);
    assert_str_equal(trace, "start\nstop\n");
}

static void a_backend_that_does_not_start_exits_1_without_ready(void **) {
    Script s;
    s.start_fails = true;
    Loop l = start_loop(s);
    ipc::FrameHeader h;
    std::string p, trace;
    assert_false(next_frame(l, h, p));
    assert_int_equal(finish(l, trace), 1);
    assert_str_equal(trace, "start\nstop\n");
}

static void a_jobs_events_arrive_in_contract_order(void **) {
    Loop l = start_loop(Script{});
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 41, "hello");
    // Each frame also walks the supervisor's table of legal frames.
    ExecutorPhase phase = ExecutorPhase::Job;
    const ipc::MsgType want[] = {ipc::MsgType::TextDelta,  ipc::MsgType::TextDelta, ipc::MsgType::MessageEnd,
                                 ipc::MsgType::MessageEnd, ipc::MsgType::Usage,     ipc::MsgType::Done};
    const char *texts[] = {"a", "b", "c", "whole"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        std::string p;
        ipc::FrameHeader h = expect_frame(l, want[i], &p);
        assert_int_equal(h.job_id, 41);
        assert_true(executor_protocol_step(phase, h.type, phase));
        if (i < 4) {
            ipc::TextMsg m;
            assert_true(ipc::decode(p, m));
            assert_str_equal(m.text, texts[i]);
        }
        if (h.type == ipc::MsgType::Done) {
            ipc::DoneMsg d;
            assert_true(ipc::decode(p, d));
            assert_int_equal(d.outcome, ipc::Outcome::Ok);
        }
    }
    assert_int_equal(phase, ExecutorPhase::Idle);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
    assert_str_equal(trace, "start\nrun hello\nhealth\nstop\n");
}

static void a_message_left_open_is_ended_before_done(void **) {
    Script s;
    s.run = "open-message";
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "x");
    assert_str_equal(expect_text(l, ipc::MsgType::TextDelta), "cut");
    assert_str_equal(expect_text(l, ipc::MsgType::MessageEnd), "");
    expect_frame(l, ipc::MsgType::Done);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
}

static void text_after_usage_is_dropped(void **) {
    Script s;
    s.run = "text-after-usage";
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "x");
    assert_str_equal(expect_text(l, ipc::MsgType::MessageEnd), "m");
    expect_frame(l, ipc::MsgType::Usage);
    expect_frame(l, ipc::MsgType::Done);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
}

static void a_message_over_a_frame_goes_as_deltas_cut_between_characters(void **) {
    Script s;
    s.run = "large";
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "x");
    std::string text;
    int deltas = 0;
    for (;;) {
        ipc::FrameHeader h;
        std::string p;
        assert_true(next_frame(l, h, p));
        ipc::TextMsg m;
        assert_true(ipc::decode(p, m));
        assert_true((static_cast<unsigned char>(m.text[0]) & 0xC0) != 0x80);
        text += m.text;
        if (h.type == ipc::MsgType::MessageEnd) break;
        assert_int_equal(h.type, ipc::MsgType::TextDelta);
        deltas++;
    }
    assert_true(deltas >= 3);
    assert_true(text == std::string(3u << 20, 'x') + "\xc3\xa9");
    expect_frame(l, ipc::MsgType::Done);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
}

static void a_cancel_mid_job_reaches_control_ready(void **) {
    Script s;
    s.run = "wait-cancel";
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 9, "x");
    std::string trace;
    wait_for_trace(l, trace, "run x");
    send_frame(l, ipc::MsgType::Cancel, 8, "");  // stale: another job's
    send_frame(l, ipc::MsgType::Cancel, 9, "");
    std::string p;
    ipc::FrameHeader h = expect_frame(l, ipc::MsgType::Done, &p);
    assert_int_equal(h.job_id, 9);
    ipc::DoneMsg d;
    assert_true(ipc::decode(p, d));
    assert_int_equal(d.outcome, ipc::Outcome::Cancelled);
    assert_int_equal(finish(l, trace), 0);
}

// Read in the same read() as the job, the Cancel wakes no poll of the
// channel: the loop must look at it before running the backend.
static void a_cancel_read_with_its_job_stops_it_before_it_runs(void **) {
    Script s;
    s.run = "wait-cancel";
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    ipc::JobMsg j;
    j.timeout_ms = 10000;
    j.prompt = "x";
    std::string both;
    ipc::frame_append(both, ipc::MsgType::Job, 5, ipc::encode(j));
    ipc::frame_append(both, ipc::MsgType::Cancel, 5, "");
    assert_int_equal(write(l.sup, both.data(), both.size()), static_cast<ssize_t>(both.size()));
    std::string p, trace;
    expect_frame(l, ipc::MsgType::Done, &p);
    ipc::DoneMsg d;
    assert_true(ipc::decode(p, d));
    assert_int_equal(d.outcome, ipc::Outcome::Cancelled);
    assert_int_equal(finish(l, trace), 0);
    assert_int_equal(count(trace, "run x"), 0);
}

static void a_stale_cancel_while_idle_is_ignored(void **) {
    Loop l = start_loop(Script{});
    expect_frame(l, ipc::MsgType::Ready);
    send_frame(l, ipc::MsgType::Cancel, 3, "");
    send_job(l, 4, "after");
    expect_frame(l, ipc::MsgType::TextDelta);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
}

static void a_frame_of_the_wrong_type_exits_2(void **) {
    Loop l = start_loop(Script{});
    expect_frame(l, ipc::MsgType::Ready);
    send_frame(l, ipc::MsgType::Usage, 1, ipc::encode(ipc::UsageMsg{}));
    ipc::FrameHeader h;
    std::string p, trace;
    assert_false(next_frame(l, h, p));
    assert_int_equal(finish(l, trace), 2);
    assert_int_equal(count(trace, "stop"), 1);
}

static void a_job_that_does_not_decode_exits_2(void **) {
    Loop l = start_loop(Script{});
    expect_frame(l, ipc::MsgType::Ready);
    send_frame(l, ipc::MsgType::Job, 1, "xx");
    std::string trace;
    assert_int_equal(finish(l, trace), 2);
    assert_int_equal(count(trace, "run x"), 0);
}

static void a_health_recycle_stops_and_starts_the_backend(void **) {
    Script s;
    s.health_after_first = BackendHealth::State::Recycle;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "one");
    expect_answer(l);
    expect_frame(l, ipc::MsgType::Restarting);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 2, "two");
    expect_frame(l, ipc::MsgType::TextDelta);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
    assert_str_equal(trace.substr(0, trace.find("run two")), "start\nrun one\nhealth\nstop\nstart\n");
}

// A recycle a job made due delays nobody, not even that job: its Done goes
// first, then Restarting (the supervisor sends jobs elsewhere), the restart,
// and Ready.
static void a_recycle_after_a_job_is_announced_after_its_done(void **) {
    Script s;
    s.health_after_first = BackendHealth::State::Recycle;
    s.restart_ms = 300;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "one");
    expect_answer(l);  // its Done, before the restart is announced
    std::string payload;
    ipc::FrameHeader h = expect_frame(l, ipc::MsgType::Restarting, &payload);
    assert_int_equal(h.job_id, 0);
    assert_true(payload.empty());
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 2, "two");
    expect_answer(l);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
    assert_true(trace.rfind("start\nrun one\nhealth\nstop\nstart\nrun two\n", 0) == 0);
}

// Readying the next job (the app-server's next thread) is no part of this
// job: its Done is sent first.
static void the_next_job_is_prepared_after_done(void **) {
    Script s;
    s.prepare_ms = 300;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "one");
    expect_answer(l);
    std::string trace;
    char buf[256];
    struct pollfd p = {l.trace_r, POLLIN, 0};
    while (poll(&p, 1, 0) == 1) {
        ssize_t n = read(l.trace_r, buf, sizeof buf);
        if (n <= 0) break;
        trace.append(buf, static_cast<size_t>(n));
    }
    // The health check may or may not have run yet; the 300 ms preparation has not.
    assert_true(trace == "start\nrun one\n" || trace == "start\nrun one\nhealth\n");
    wait_for_trace(l, trace, "prepare");
    assert_int_equal(finish(l, trace), 0);
}

// An idle recycle is announced: Restarting, then Ready (with the pid) once
// the backend is back, then jobs run as before.
static void an_idle_recycle_sends_restarting_then_ready(void **) {
    Script s;
    s.idle_check_ms = 5;
    s.health_after_first = BackendHealth::State::Recycle;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    std::string payload;
    ipc::FrameHeader h = expect_frame(l, ipc::MsgType::Restarting, &payload);
    assert_int_equal(h.job_id, 0);
    assert_true(payload.empty());
    expect_frame(l, ipc::MsgType::Ready, &payload);
    ipc::ReadyMsg ready;
    assert_true(ipc::decode(payload, ready));
    assert_int_equal(ready.pid, static_cast<uint32_t>(l.pid));
    send_job(l, 1, "one");
    expect_answer(l);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
    assert_true(trace.rfind("start\nhealth\nstop\nstart\n", 0) == 0);
}

static void a_backend_that_will_not_restart_exits_1(void **) {
    Script s;
    s.health_after_first = BackendHealth::State::Failed;
    s.restart_fails = true;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    send_job(l, 1, "one");
    expect_answer(l);
    expect_frame(l, ipc::MsgType::Restarting);
    ipc::FrameHeader h;
    std::string p, trace;
    assert_false(next_frame(l, h, p));  // no Ready: the executor exits, and the supervisor starts another
    assert_int_equal(finish(l, trace), 1);
    // Two attempts (JobLoopOptions::restart_attempts), each after a stop, then the final stop.
    assert_str_equal(trace, "start\nrun one\nhealth\nstop\nstart\nstop\nstart\nstop\n");
}

static void idle_ticks_ask_for_health_without_a_job(void **) {
    Script s;
    s.idle_check_ms = 5;
    Loop l = start_loop(s);
    expect_frame(l, ipc::MsgType::Ready);
    std::string trace;
    wait_for_trace(l, trace, "health\nhealth\nhealth");
    assert_int_equal(finish(l, trace), 0);
    assert_int_equal(count(trace, "run x"), 0);
    assert_true(trace.rfind("start\nhealth\nhealth\nhealth\n", 0) == 0);
}

static void without_idle_checks_an_idle_loop_asks_nothing(void **) {
    Loop l = start_loop(Script{});
    expect_frame(l, ipc::MsgType::Ready);
    usleep(100 * 1000);
    std::string trace;
    assert_int_equal(finish(l, trace), 0);
    assert_str_equal(trace, "start\nstop\n");
}

static int make_workdir(void **) {
    char dir[] = "/tmp/test-job-loop-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    g_workdir = dir;
    return 0;
}

static int remove_workdir(void **) { return rmdir(g_workdir.c_str()); }

int main() {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ready_comes_after_a_started_backend),
        cmocka_unit_test(a_backend_that_does_not_start_exits_1_without_ready),
        cmocka_unit_test(a_jobs_events_arrive_in_contract_order),
        cmocka_unit_test(a_message_left_open_is_ended_before_done),
        cmocka_unit_test(text_after_usage_is_dropped),
        cmocka_unit_test(a_message_over_a_frame_goes_as_deltas_cut_between_characters),
        cmocka_unit_test(a_cancel_mid_job_reaches_control_ready),
        cmocka_unit_test(a_cancel_read_with_its_job_stops_it_before_it_runs),
        cmocka_unit_test(a_stale_cancel_while_idle_is_ignored),
        cmocka_unit_test(a_frame_of_the_wrong_type_exits_2),
        cmocka_unit_test(a_job_that_does_not_decode_exits_2),
        cmocka_unit_test(a_health_recycle_stops_and_starts_the_backend),
        cmocka_unit_test(a_recycle_after_a_job_is_announced_after_its_done),
        cmocka_unit_test(an_idle_recycle_sends_restarting_then_ready),
        cmocka_unit_test(the_next_job_is_prepared_after_done),
        cmocka_unit_test(a_backend_that_will_not_restart_exits_1),
        cmocka_unit_test(idle_ticks_ask_for_health_without_a_job),
        cmocka_unit_test(without_idle_checks_an_idle_loop_asks_nothing),
    };
    return cmocka_run_group_tests(tests, make_workdir, remove_workdir);
}
