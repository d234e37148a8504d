// A real Scheduler on a real uv loop whose executors are this test binary
// in a fake-executor mode (fake_executor_child.h).
#pragma once
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cmocka_cpp.h"
#include "common/tree_removal.h"
#include "fake_executor_child.h"
#include "supervisor/daemon/app.h"
#include "supervisor/jobs/scheduler.h"

// What a job told its sink, in order.
struct RecordingSink final : JobSink {
    std::vector<std::string> events;
    bool done = false;
    JobResult result;
    std::function<void(const JobResult &)> on_done;

    void job_text_delta(std::string_view t) override { events.push_back("delta:" + std::string(t)); }
    void job_message_end(std::string_view t) override { events.push_back("end:" + std::string(t)); }
    void job_usage(const ipc::UsageMsg &u) override {
        events.push_back("usage:" + std::to_string(u.input_tokens) + "/" + std::to_string(u.output_tokens));
    }
    void job_done(const JobResult &r) override {
        assert_false(done);  // job_done is the last call, once
        done = true;
        result = r;
        if (on_done) on_done(r);
    }
    bool finished_ok() const {
        return done && result.kind == JobResult::Kind::Finished && result.done.outcome == ipc::Outcome::Ok;
    }
};

struct SchedulerHarness {
    uv_loop_t loop;
    uv_timer_t tick;  // wakes run_until's loop to look at its condition
    App app;
    std::unique_ptr<Scheduler> sched;
    std::string state_dir;
    std::vector<pid_t> pids_seen;  // every executor this harness saw alive

    explicit SchedulerHarness(uint32_t executors = 1, const char *mode = "serve", uint32_t max_queue = 8,
                              uint32_t timeout_ms = 20000) {
        uv_loop_init(&loop);
        uv_timer_init(&loop, &tick);
        app.loop = &loop;
        app.cfg.max_concurrency = executors;
        app.cfg.max_queue = max_queue;
        app.cfg.timeout_ms = timeout_ms;
        app.cfg.pass_env = {fake_executor::kModeVariable};
        app.codex.path = "/bin/true";  // never run: the setup must name one
        setenv(fake_executor::kModeVariable, mode, 1);
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        assert_true(n > 0);
        app.executor_path.assign(self, static_cast<size_t>(n));
        char tmpl[] = "/tmp/codex-proxy-unit-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        state_dir = tmpl;
        app.cfg.workdir = state_dir + "/work";
        app.private_home.state = state_dir;
        app.private_home.dir = state_dir + "/codex-home";
        app.private_home.source = state_dir + "/no-codex-home";
        sched = std::make_unique<Scheduler>(app_jobs_context(app));
        app.scheduler = sched.get();
    }

    void start() {
        sched->start();
        assert_true(run_until([&] { return sched->counts().idle == static_cast<int>(app.cfg.max_concurrency); }));
        note_pids();
    }

    void note_pids() {
        for (pid_t p : sched->executor_pids())
            if (std::find(pids_seen.begin(), pids_seen.end(), p) == pids_seen.end()) pids_seen.push_back(p);
    }

    // Runs the loop until done() holds, and not one iteration more; false
    // after timeout_ms (a test that hangs fails instead).
    bool run_until(const std::function<bool()> &done, uint64_t timeout_ms = 30000) {
        uv_timer_start(
            &tick, [](uv_timer_t *) {}, 10, 10);
        uint64_t deadline = uv_now(&loop) + timeout_ms;
        bool ok;
        while (!(ok = done()) && uv_now(&loop) < deadline) {
            uv_run(&loop, UV_RUN_ONCE);
            note_pids();
        }
        uv_timer_stop(&tick);
        return ok;
    }

    // Runs the loop for ms, whatever happens.
    void run_for(uint64_t ms) {
        uint64_t until = uv_now(&loop) + ms;
        run_until([&] { return uv_now(&loop) >= until; }, ms + 1000);
    }

    // The job's one deadline is timeout_ms from now (0: the configured timeout),
    // as the completion exchange sets it.
    Job *submit(RecordingSink &sink, const std::string &prompt, uint32_t timeout_ms = 0) {
        ipc::JobMsg m;
        m.prompt = prompt;
        Job *job = nullptr;
        assert_int_equal(static_cast<int>(sched->submit(&sink, std::move(m), deadline(timeout_ms), &job)),
                         static_cast<int>(Scheduler::Submit::Accepted));
        return job;
    }

    uint64_t deadline(uint32_t timeout_ms = 0) {
        return uv_now(&loop) + (timeout_ms ? timeout_ms : app.cfg.timeout_ms);
    }

    // Stops every executor, closes every handle and checks that nothing is
    // left: no handle on the loop, no executor process.
    ~SchedulerHarness() {
        app.executors_stopping = true;
        sched->stop_executors();
        if (!run_until([&] { return sched->all_stopped(); }, 10000)) {
            sched->kill_all();
            run_until([&] { return sched->all_stopped(); }, 10000);
        }
        bool stopped = sched->all_stopped();
        // As main() ends: whatever is still open (the scheduler's timers,
        // signal watchers a shutdown test installed) is closed.
        uv_walk(
            &loop,
            [](uv_handle_t *hd, void *) {
                if (!uv_is_closing(hd)) uv_close(hd, nullptr);
            },
            nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
        int rc = uv_loop_close(&loop);
        unsetenv(fake_executor::kModeVariable);
        remove_tree(state_dir);
        assert_true(stopped);
        assert_int_equal(rc, 0);
        for (pid_t p : pids_seen) assert_int_equal(kill(p, 0), -1);  // reaped, none left behind
    }
};

// Every unit test binary that spawns itself as an executor starts with
// this: the child becomes the executor; the test process then ignores
// SIGPIPE as codex-proxyd does (a write to an executor that just died).
#define FAKE_EXECUTOR_MAIN_PROLOGUE()  \
    do {                               \
        fake_executor::run_if_asked(); \
        signal(SIGPIPE, SIG_IGN);      \
    } while (0)
