// Scheduler: the queue in front of the executors, against this binary run
// as scripted executors on a real loop.
#include "scheduler_harness.h"
#include "supervisor/daemon/lifecycle.h"

namespace {

int kind(const RecordingSink &s) { return static_cast<int>(s.result.kind); }
constexpr int kFinished = static_cast<int>(JobResult::Kind::Finished);
constexpr int kLost = static_cast<int>(JobResult::Kind::ExecutorLost);
constexpr int kShuttingDown = static_cast<int>(JobResult::Kind::ShuttingDown);
constexpr int kQueueTimeout = static_cast<int>(JobResult::Kind::QueueTimeout);

}  // namespace

static void a_job_runs_and_its_events_reach_the_sink_in_order(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: delta=Hel delta=lo end= end=second usage done");
    assert_true(h.run_until([&] { return sink.done; }));
    assert_true(sink.finished_ok());
    assert_int_equal(sink.events.size(), 5);
    assert_str_equal(sink.events[0], "delta:Hel");
    assert_str_equal(sink.events[1], "delta:lo");
    assert_str_equal(sink.events[2], "end:");
    assert_str_equal(sink.events[3], "end:second");
    assert_str_equal(sink.events[4], "usage:3/2");
}

static void a_failed_outcome_reaches_the_sink_as_finished(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: done=model_failed");
    assert_true(h.run_until([&] { return sink.done; }));
    assert_int_equal(kind(sink), kFinished);
    assert_int_equal(static_cast<int>(sink.result.done.outcome), static_cast<int>(ipc::Outcome::ModelFailed));
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

static void jobs_beyond_the_executors_run_in_the_order_they_came(void **) {
    SchedulerHarness h;
    h.start();
    std::vector<std::string> order;
    RecordingSink a, b, c;
    for (RecordingSink *s : {&a, &b, &c})
        s->on_done = [&order, s](const JobResult &) { order.push_back(s->events.at(0)); };
    h.submit(a, "first FAKE: sleep=100 echo-prompt done");
    h.submit(b, "second FAKE: echo-prompt done");
    h.submit(c, "third FAKE: echo-prompt done");
    assert_int_equal(h.sched->counts().queued, 2);
    assert_true(h.run_until([&] { return c.done; }));
    assert_int_equal(order.size(), 3);
    assert_str_equal(order[0], "end:first FAKE: sleep=100 echo-prompt done");
    assert_str_equal(order[1], "end:second FAKE: echo-prompt done");
    assert_str_equal(order[2], "end:third FAKE: echo-prompt done");
}

static void each_idle_executor_takes_a_job_at_once(void **) {
    SchedulerHarness h(2);
    h.start();
    RecordingSink a, b;
    h.submit(a, "FAKE: hang");
    h.submit(b, "FAKE: hang");
    Scheduler::Counts c = h.sched->counts();
    assert_int_equal(c.busy, 2);
    assert_int_equal(c.queued, 0);
    h.sched->fail_all();
    assert_true(h.run_until([&] { return h.sched->counts().idle == 2; }));
}

static void a_full_queue_refuses_a_job(void **) {
    SchedulerHarness h(1, "serve", 1);
    h.start();
    RecordingSink running, queued, refused;
    h.submit(running, "FAKE: hang");
    h.submit(queued, "FAKE: done");
    ipc::JobMsg m;
    Job *job = nullptr;
    assert_int_equal(static_cast<int>(h.sched->submit(&refused, std::move(m), h.deadline(), &job)),
                     static_cast<int>(Scheduler::Submit::QueueFull));
    assert_null(job);
    h.sched->fail_all();
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
    assert_false(refused.done);
}

static void a_queued_job_past_its_timeout_ends_with_queue_timeout(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink running, queued;
    h.submit(running, "FAKE: hang");
    h.submit(queued, "FAKE: done", 300);
    assert_true(h.run_until([&] { return queued.done; }));
    assert_int_equal(kind(queued), kQueueTimeout);
    assert_true(queued.result.queue_ms >= 300);
    assert_false(running.done);
    assert_int_equal(h.sched->counts().queued, 0);
    h.sched->cancel(h.sched->slot(0).job);
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
}

// The timeout bounds the job's whole life: what it waited in the queue is
// taken off the time its executor is given.
static void a_queued_job_runs_with_what_is_left_of_its_timeout(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink first, second;
    h.submit(first, "FAKE: sleep=300 done");
    h.submit(second, "FAKE: echo-timeout done", 10000);
    assert_true(h.run_until([&] { return second.done; }));
    assert_true(second.finished_ok());
    uint32_t given = static_cast<uint32_t>(std::stoul(second.events.at(0).substr(strlen("end:"))));
    assert_true(given <= 10000 - 300);
    assert_true(given > 0);
    assert_true(second.result.queue_ms >= 300);
}

static void a_job_that_starts_at_once_is_given_its_whole_time(void **) {
    SchedulerHarness h(1, "serve", 8, 7000);
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: echo-timeout done");
    assert_true(h.run_until([&] { return sink.done; }));
    uint32_t given = static_cast<uint32_t>(std::stoul(sink.events.at(0).substr(strlen("end:"))));
    assert_true(given <= 7000 && given > 6000);
}

static void a_cancelled_queued_job_never_runs_and_its_sink_hears_nothing(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink first, cancelled, last;
    h.submit(first, "FAKE: sleep=200 done");
    Job *job = h.submit(cancelled, "FAKE: die");
    h.submit(last, "FAKE: end=last done");
    h.sched->cancel(job);
    assert_int_equal(h.sched->counts().queued, 1);
    assert_true(h.run_until([&] { return last.done; }));
    assert_true(last.finished_ok());
    assert_false(cancelled.done);
    assert_int_equal(cancelled.events.size(), 0);
    assert_int_equal(h.app.metrics.executor_restarts, 0);  // the job that would have died never ran
}

static void a_cancelled_running_job_is_stopped_and_its_executor_serves_the_next(void **) {
    SchedulerHarness h;
    h.start();
    pid_t pid = h.sched->executor_pids().at(0);
    RecordingSink hung, next;
    Job *job = h.submit(hung, "FAKE: delta=partial hang");
    assert_true(h.run_until([&] { return hung.events.size() == 1; }));
    h.sched->cancel(job);
    h.submit(next, "FAKE: end=next done");
    assert_true(h.run_until([&] { return next.done; }));
    assert_true(next.finished_ok());
    assert_false(hung.done);
    assert_int_equal(hung.events.size(), 1);
    assert_int_equal(h.app.metrics.executor_restarts, 0);
    assert_int_equal(h.sched->executor_pids().at(0), pid);
}

static void the_queue_moves_on_after_an_executor_is_lost(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink dying, waiting;
    h.submit(dying, "FAKE: die");
    h.submit(waiting, "FAKE: end=served done");
    assert_true(h.run_until([&] { return waiting.done; }));
    assert_int_equal(kind(dying), kLost);
    assert_true(waiting.finished_ok());
    assert_str_equal(waiting.events.at(0), "end:served");
    assert_int_equal(h.app.metrics.executor_restarts, 1);
}

static void idle_is_false_while_a_job_is_queued_or_running(void **) {
    SchedulerHarness h;
    h.start();
    assert_true(h.sched->idle());
    RecordingSink a, b;
    h.submit(a, "FAKE: sleep=100 done");
    h.submit(b, "FAKE: done");
    assert_false(h.sched->idle());
    assert_true(h.run_until([&] { return a.done; }));
    assert_false(h.sched->idle());
    assert_true(h.run_until([&] { return b.done; }));
    assert_true(h.sched->idle());
}

static void a_draining_scheduler_refuses_new_jobs(void **) {
    SchedulerHarness h;
    h.start();
    h.app.draining = true;
    RecordingSink sink;
    ipc::JobMsg m;
    Job *job = nullptr;
    assert_int_equal(static_cast<int>(h.sched->submit(&sink, std::move(m), h.deadline(), &job)),
                     static_cast<int>(Scheduler::Submit::ShuttingDown));
    h.app.draining = false;
}

static void fail_all_ends_queued_and_running_jobs_with_shutting_down(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink running, queued;
    h.submit(running, "FAKE: hang");
    h.submit(queued, "FAKE: done");
    h.sched->fail_all();
    assert_true(running.done);
    assert_true(queued.done);
    assert_int_equal(kind(running), kShuttingDown);
    assert_int_equal(kind(queued), kShuttingDown);
    // The running job was cancelled in its executor, which stays.
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

namespace {
// Shutdown as SIGTERM starts it, without the signal.
void begin_shutdown(SchedulerHarness &h, uint32_t grace_ms) {
    h.app.cfg.shutdown_grace_ms = grace_ms;
    uv_tcp_init(&h.loop, &h.app.listener.tcp);  // closed by the shutdown
    lifecycle_watch_signals(h.app);
    lifecycle_begin_shutdown(h.app);
}
}  // namespace

static void shutdown_lets_a_running_job_finish_then_stops_every_executor(void **) {
    SchedulerHarness h(2);
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: sleep=300 end=finished done");
    begin_shutdown(h, 20000);
    assert_false(h.app.executors_stopping);  // a job still runs
    assert_true(h.run_until([&] { return h.sched->all_stopped(); }));
    assert_true(sink.finished_ok());
    assert_str_equal(sink.events.at(0), "end:finished");
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

static void shutdown_ends_a_job_still_running_after_the_grace_with_shutting_down(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: hang");
    begin_shutdown(h, 200);
    assert_true(h.run_until([&] { return h.sched->all_stopped(); }));
    assert_int_equal(kind(sink), kShuttingDown);
}

// A reload (SIGHUP) replaces every executor, an idle one at once, a busy one
// only once its job is over.
static void a_reload_replaces_an_idle_executor_now_and_a_busy_one_after_its_job(void **) {
    SchedulerHarness h(2);
    h.start();
    RecordingSink sink;
    Job *job = h.submit(sink, "FAKE: hang");
    pid_t busy = h.sched->slot(0).pid, idle = h.sched->slot(1).pid;
    h.sched->restart_executors();
    assert_true(h.run_until(
        [&] { return h.sched->slot(1).state == ExecutorSlot::State::Idle && h.sched->slot(1).pid != idle; }));
    assert_int_equal(h.sched->slot(0).pid, busy);
    assert_true(h.sched->slot(0).running);
    h.sched->cancel(job);
    assert_true(h.run_until([&] { return h.sched->counts().idle == 2 && h.sched->slot(0).pid != busy; }));
    assert_int_equal(kill(busy, 0), -1);
    assert_int_equal(kill(idle, 0), -1);
}

// An executor replacing its backend while idle (Restarting ... Ready): a job
// submitted meanwhile goes to the other executor, not to it.
static void a_job_submitted_while_an_executor_restarts_goes_to_another(void **) {
    SchedulerHarness h(2);
    h.start();
    RecordingSink first, second;
    h.submit(first, "FAKE: done restarting sleep=300 ready");
    pid_t restarting = h.sched->slot(0).pid;
    assert_true(h.run_until([&] { return first.done && h.sched->slot(0).state == ExecutorSlot::State::Starting; }));
    h.submit(second, "FAKE: done");
    assert_int_equal(h.sched->slot(1).state, ExecutorSlot::State::Busy);
    assert_int_equal(h.sched->slot(0).state, ExecutorSlot::State::Starting);
    assert_true(h.run_until([&] { return second.done && h.sched->counts().idle == 2; }));
    assert_true(second.finished_ok());
    assert_int_equal(h.sched->slot(0).pid, restarting);
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

// A job sent just as the executor said Restarting (it crossed on the wire):
// the executor is kept, and the job runs after its Ready.
static void a_job_that_crosses_an_idle_restart_runs_after_it(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
    pid_t pid = h.sched->slot(0).pid;
    h.submit(sink, "FAKE: restarting sleep=100 ready end=after done");
    assert_true(h.run_until([&] { return sink.done; }));
    assert_true(sink.finished_ok());
    assert_string_equal(sink.events.at(0).c_str(), "end:after");
    assert_int_equal(h.sched->slot(0).pid, pid);
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

// With no other executor, that job waits in the queue until the Ready.
static void a_job_waits_in_the_queue_while_the_only_executor_restarts(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink first, second;
    h.submit(first, "FAKE: done restarting sleep=300 ready");
    pid_t restarting = h.sched->slot(0).pid;
    assert_true(h.run_until([&] { return first.done && h.sched->slot(0).state == ExecutorSlot::State::Starting; }));
    h.submit(second, "FAKE: done");
    assert_int_equal(h.sched->counts().queued, 1);
    assert_true(h.run_until([&] { return second.done; }));
    assert_true(second.finished_ok());
    assert_int_equal(h.sched->slot(0).pid, restarting);
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

int main() {
    FAKE_EXECUTOR_MAIN_PROLOGUE();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_job_runs_and_its_events_reach_the_sink_in_order),
        cmocka_unit_test(a_failed_outcome_reaches_the_sink_as_finished),
        cmocka_unit_test(jobs_beyond_the_executors_run_in_the_order_they_came),
        cmocka_unit_test(each_idle_executor_takes_a_job_at_once),
        cmocka_unit_test(a_full_queue_refuses_a_job),
        cmocka_unit_test(a_queued_job_past_its_timeout_ends_with_queue_timeout),
        cmocka_unit_test(a_queued_job_runs_with_what_is_left_of_its_timeout),
        cmocka_unit_test(a_job_that_starts_at_once_is_given_its_whole_time),
        cmocka_unit_test(a_cancelled_queued_job_never_runs_and_its_sink_hears_nothing),
        cmocka_unit_test(a_cancelled_running_job_is_stopped_and_its_executor_serves_the_next),
        cmocka_unit_test(the_queue_moves_on_after_an_executor_is_lost),
        cmocka_unit_test(idle_is_false_while_a_job_is_queued_or_running),
        cmocka_unit_test(a_draining_scheduler_refuses_new_jobs),
        cmocka_unit_test(fail_all_ends_queued_and_running_jobs_with_shutting_down),
        cmocka_unit_test(shutdown_lets_a_running_job_finish_then_stops_every_executor),
        cmocka_unit_test(shutdown_ends_a_job_still_running_after_the_grace_with_shutting_down),
        cmocka_unit_test(a_reload_replaces_an_idle_executor_now_and_a_busy_one_after_its_job),
        cmocka_unit_test(a_job_submitted_while_an_executor_restarts_goes_to_another),
        cmocka_unit_test(a_job_waits_in_the_queue_while_the_only_executor_restarts),
        cmocka_unit_test(a_job_that_crosses_an_idle_restart_runs_after_it),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
