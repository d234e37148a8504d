// ExecutorSlot: one executor process, its channel and the protocol it must
// keep, against this binary run as a scripted executor.
#include "scheduler_harness.h"

namespace {

// A job whose executor broke the protocol ends ExecutorLost, and the
// executor is replaced by a new process that serves again.
void expect_lost_and_replaced(const char *script) {
    SchedulerHarness h;
    h.start();
    pid_t first = h.sched->executor_pids().at(0);
    RecordingSink sink;
    // Time enough that only the violation, never the job's backstop, can end it.
    h.submit(sink, script, 120000);
    assert_true(h.run_until([&] { return sink.done; }));
    assert_int_equal(static_cast<int>(sink.result.kind), static_cast<int>(JobResult::Kind::ExecutorLost));
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
    assert_int_equal(h.app.metrics.executor_restarts, 1);
    assert_int_not_equal(h.sched->executor_pids().at(0), first);
    assert_int_equal(kill(first, 0), -1);
}

}  // namespace

// The fake executor exits unless its first frame is a valid Setup naming
// this process as its supervisor; each executor has its own directories.
static void each_executor_is_set_up_with_its_own_directories(void **) {
    SchedulerHarness h(2);
    h.start();
    RecordingSink a, b;
    h.submit(a, "FAKE: sleep=100 echo-setup done");
    h.submit(b, "FAKE: sleep=100 echo-setup done");
    assert_true(h.run_until([&] { return a.done && b.done; }));
    assert_str_equal(a.events.at(0),
                     "end:workdir=" + h.state_dir + "/work/executor-0 sqlite=" + h.state_dir + "/executor-0");
    assert_str_equal(b.events.at(0),
                     "end:workdir=" + h.state_dir + "/work/executor-1 sqlite=" + h.state_dir + "/executor-1");
}

static void an_executor_that_says_ready_becomes_idle(void **) {
    SchedulerHarness h;
    h.start();
    Scheduler::Counts c = h.sched->counts();
    assert_int_equal(c.idle, 1);
    assert_int_equal(c.starting + c.busy + c.restarting, 0);
    assert_int_equal(h.sched->executor_pids().size(), 1);
}

static void a_malformed_frame_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: delta=x garbage sleep=60000");
}

static void a_done_for_another_job_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: done-other-job sleep=60000");
}

static void a_payload_that_does_not_decode_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: bad-payload sleep=60000");
}

static void a_ready_while_busy_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: ready sleep=60000");
}

static void a_frame_type_only_the_supervisor_sends_kills_the_executor(void **) {
    expect_lost_and_replaced("FAKE: job-frame sleep=60000");
}

// The text contract's order, (TextDelta* MessageEnd)* Usage? Done, is
// the supervisor's to enforce: each way out of it is a violation.
static void a_text_delta_after_the_usage_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: end=x usage delta=late sleep=60000");
}

static void a_done_in_the_middle_of_a_message_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: delta=cut done sleep=60000");
}

static void a_second_usage_kills_the_executor_and_loses_its_job(void **) {
    expect_lost_and_replaced("FAKE: end=x usage usage done sleep=60000");
}

static void an_executor_dying_mid_job_loses_the_job_and_is_restarted(void **) {
    expect_lost_and_replaced("FAKE: delta=partial die");
}

static void an_executor_that_closes_its_channel_mid_job_is_killed(void **) {
    expect_lost_and_replaced("FAKE: delta=partial hangup");
}

// The frames the job produced before the violation still reached the sink;
// none after it did.
static void events_after_a_bad_frame_are_not_delivered(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: delta=before garbage delta=after end= done");
    assert_true(h.run_until([&] { return sink.done; }));
    assert_int_equal(sink.events.size(), 1);
    assert_str_equal(sink.events[0], "delta:before");
}

// An event for a job that is already over (out of order: after its Done)
// is a violation too. The job keeps its answer; the executor is replaced.
static void an_event_after_done_kills_the_executor_but_the_job_keeps_its_answer(void **) {
    SchedulerHarness h;
    h.start();
    pid_t first = h.sched->executor_pids().at(0);
    RecordingSink sink;
    h.submit(sink, "FAKE: end=answer done delta=late sleep=60000");
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 1; }));
    assert_true(sink.finished_ok());
    assert_int_equal(sink.events.size(), 1);
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
    assert_int_not_equal(h.sched->executor_pids().at(0), first);
}

static void frames_written_a_byte_at_a_time_are_reassembled(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: bytewise delta=Hel delta=lo end= usage done");
    assert_true(h.run_until([&] { return sink.done; }));
    assert_true(sink.finished_ok());
    assert_int_equal(sink.events.size(), 4);
    assert_str_equal(sink.events[0], "delta:Hel");
    assert_str_equal(sink.events[1], "delta:lo");
    assert_str_equal(sink.events[2], "end:");
    assert_str_equal(sink.events[3], "usage:3/2");
    assert_int_equal(h.app.metrics.executor_restarts, 0);
}

// Silence: an executor that neither answers nor heeds the Cancel is killed
// once the job's own time and the backstop's slack are over.
static void a_silent_executor_is_killed_by_the_backstop(void **) {
    SchedulerHarness h;
    h.start();
    RecordingSink sink;
    h.submit(sink, "FAKE: deaf", 100);
    assert_true(h.run_until([&] { return sink.done; }, 30000));
    assert_int_equal(static_cast<int>(sink.result.kind), static_cast<int>(JobResult::Kind::ExecutorLost));
    assert_true(h.run_until([&] { return h.sched->counts().idle == 1; }));
}

static void an_executor_that_exits_at_start_is_restarted_with_a_doubling_backoff(void **) {
    SchedulerHarness h(1, "exit");
    h.sched->start();
    const ExecutorSlot &s = h.sched->slot(0);
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 1; }));
    assert_int_equal(s.backoff_ms, 100);
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 2; }));
    assert_int_equal(s.backoff_ms, 200);
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 3; }));
    assert_int_equal(s.backoff_ms, 400);
    assert_int_equal(h.sched->counts().idle, 0);
}

static void an_executor_speaking_garbage_at_start_is_killed_and_restarted(void **) {
    SchedulerHarness h(1, "garbage");
    h.sched->start();
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 2; }));
    assert_int_equal(h.sched->counts().idle, 0);
}

static void an_executor_that_never_says_ready_is_killed_and_restarted(void **) {
    SchedulerHarness h(1, "mute");
    h.sched->start();
    h.note_pids();
    pid_t first = h.sched->executor_pids().at(0);
    assert_true(h.run_until([&] { return h.app.metrics.executor_restarts == 1; }, 30000));
    assert_int_equal(kill(first, 0), -1);
    assert_int_equal(h.sched->counts().idle, 0);
}

// Closing the channel of an idle executor is how it is told to stop.
static void a_stopped_idle_executor_exits_and_is_not_restarted(void **) {
    SchedulerHarness h;
    h.start();
    pid_t pid = h.sched->executor_pids().at(0);
    h.app.executors_stopping = true;
    h.sched->stop_executors();
    assert_true(h.run_until([&] { return h.sched->all_stopped(); }));
    assert_int_equal(h.app.metrics.executor_restarts, 0);
    assert_int_equal(kill(pid, 0), -1);
}

int main() {
    FAKE_EXECUTOR_MAIN_PROLOGUE();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_executor_is_set_up_with_its_own_directories),
        cmocka_unit_test(an_executor_that_says_ready_becomes_idle),
        cmocka_unit_test(a_malformed_frame_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_done_for_another_job_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_payload_that_does_not_decode_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_ready_while_busy_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_frame_type_only_the_supervisor_sends_kills_the_executor),
        cmocka_unit_test(a_text_delta_after_the_usage_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_done_in_the_middle_of_a_message_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(a_second_usage_kills_the_executor_and_loses_its_job),
        cmocka_unit_test(an_executor_dying_mid_job_loses_the_job_and_is_restarted),
        cmocka_unit_test(an_executor_that_closes_its_channel_mid_job_is_killed),
        cmocka_unit_test(events_after_a_bad_frame_are_not_delivered),
        cmocka_unit_test(an_event_after_done_kills_the_executor_but_the_job_keeps_its_answer),
        cmocka_unit_test(frames_written_a_byte_at_a_time_are_reassembled),
        cmocka_unit_test(a_silent_executor_is_killed_by_the_backstop),
        cmocka_unit_test(an_executor_that_exits_at_start_is_restarted_with_a_doubling_backoff),
        cmocka_unit_test(an_executor_speaking_garbage_at_start_is_killed_and_restarted),
        cmocka_unit_test(an_executor_that_never_says_ready_is_killed_and_restarted),
        cmocka_unit_test(a_stopped_idle_executor_exits_and_is_not_restarted),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
