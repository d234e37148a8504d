#include "supervisor/jobs/executor_protocol.h"
#include "cmocka_cpp.h"

using P = ExecutorPhase;
using M = ipc::MsgType;

static const P kPhases[] = {P::Starting, P::Idle, P::JobSent, P::JobRestarting, P::Job, P::Message, P::Usage, P::Gone};
static const M kTypes[] = {M::Ready, M::Job,  M::Cancel, M::TextDelta,    M::MessageEnd,
                           M::Usage, M::Done, M::Setup,  M::UsageWindows, M::Restarting};

static bool allowed(P p, M t) {
    P next;
    return executor_protocol_step(p, t, next);
}

static P after(P p, M t) {
    P next = P::Gone;
    assert_true(executor_protocol_step(p, t, next));
    return next;
}

static void ready_is_legal_only_while_starting(void **) {
    for (P p : kPhases) assert_int_equal(allowed(p, M::Ready), p == P::Starting || p == P::JobRestarting);
    assert_int_equal(after(P::Starting, M::Ready), P::Idle);
}

static void an_idle_executor_may_send_only_restarting(void **) {
    for (M t : kTypes) assert_int_equal(allowed(P::Idle, t), t == M::Restarting);
}

// Restarting makes it a starting executor again: nothing but its Ready.
static void restarting_is_legal_only_while_idle_and_leads_to_starting(void **) {
    for (P p : kPhases) assert_int_equal(allowed(p, M::Restarting), p == P::Idle || p == P::JobSent);
    assert_int_equal(after(P::Idle, M::Restarting), P::Starting);
    assert_int_equal(after(after(P::Idle, M::Restarting), M::Ready), P::Idle);
}

// A job the supervisor sent while the executor was saying Restarting: the
// job waits for the Ready and then runs, instead of the executor being lost.
static void a_job_sent_may_cross_a_restart_and_runs_after_its_ready(void **) {
    assert_int_equal(after(P::JobSent, M::Restarting), P::JobRestarting);
    for (M t : kTypes) assert_int_equal(allowed(P::JobRestarting, t), t == M::Ready);
    assert_int_equal(after(P::JobRestarting, M::Ready), P::JobSent);
}

// Once it is sent, a job's first event is legal as it is in a job under way.
static void a_job_sent_takes_any_first_event_of_a_job(void **) {
    assert_int_equal(after(P::JobSent, M::TextDelta), P::Message);
    assert_int_equal(after(P::JobSent, M::MessageEnd), P::Job);
    assert_int_equal(after(P::JobSent, M::Usage), P::Usage);
    assert_int_equal(after(P::JobSent, M::Done), P::Idle);
    assert_int_equal(after(P::JobSent, M::UsageWindows), P::Job);
}

static void a_gone_executor_may_send_nothing(void **) {
    for (M t : kTypes) assert_false(allowed(P::Gone, t));
}

static void supervisor_frames_are_never_legal_from_an_executor(void **) {
    for (P p : kPhases) {
        assert_false(allowed(p, M::Job));
        assert_false(allowed(p, M::Cancel));
        assert_false(allowed(p, M::Setup));
    }
}

static void deltas_open_a_message_that_message_end_closes(void **) {
    assert_int_equal(after(P::Job, M::TextDelta), P::Message);
    assert_int_equal(after(P::Message, M::TextDelta), P::Message);
    assert_int_equal(after(P::Message, M::MessageEnd), P::Job);
    assert_int_equal(after(P::Job, M::MessageEnd), P::Job);
}

static void usage_and_done_may_not_cut_a_message(void **) {
    assert_false(allowed(P::Message, M::Usage));
    assert_false(allowed(P::Message, M::Done));
}

static void after_usage_only_done(void **) {
    for (M t : kTypes) assert_int_equal(allowed(P::Usage, t), t == M::Done || t == M::UsageWindows);
    assert_int_equal(after(P::Usage, M::Done), P::Idle);
}

static void a_job_may_end_without_usage(void **) { assert_int_equal(after(P::Job, M::Done), P::Idle); }

// The whole contract, walked as a backend would send it.
static void a_streamed_then_whole_message_job_is_legal(void **) {
    const M seq[] = {M::TextDelta, M::TextDelta, M::MessageEnd, M::MessageEnd, M::Usage, M::Done};
    P p = P::Job;
    for (M t : seq) p = after(p, t);
    assert_int_equal(p, P::Idle);
}

static void usage_windows_may_come_anywhere_in_a_job_and_change_nothing(void **) {
    for (P p : {P::Job, P::Message, P::Usage}) assert_int_equal(after(p, M::UsageWindows), p);
    for (P p : {P::Starting, P::Idle, P::Gone}) assert_false(allowed(p, M::UsageWindows));
}

static void every_phase_and_type_has_a_name(void **) {
    for (P p : kPhases) assert_string_not_equal(executor_phase_name(p), "unknown");
    for (M t : kTypes) assert_string_not_equal(ipc::msg_type_name(t), "unknown");
    assert_string_equal(ipc::msg_type_name(M::MessageEnd), "message_end");
    assert_string_equal(ipc::msg_type_name(M::Restarting), "restarting");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ready_is_legal_only_while_starting),
        cmocka_unit_test(an_idle_executor_may_send_only_restarting),
        cmocka_unit_test(restarting_is_legal_only_while_idle_and_leads_to_starting),
        cmocka_unit_test(a_job_sent_may_cross_a_restart_and_runs_after_its_ready),
        cmocka_unit_test(a_job_sent_takes_any_first_event_of_a_job),
        cmocka_unit_test(a_gone_executor_may_send_nothing),
        cmocka_unit_test(supervisor_frames_are_never_legal_from_an_executor),
        cmocka_unit_test(deltas_open_a_message_that_message_end_closes),
        cmocka_unit_test(usage_and_done_may_not_cut_a_message),
        cmocka_unit_test(after_usage_only_done),
        cmocka_unit_test(a_job_may_end_without_usage),
        cmocka_unit_test(a_streamed_then_whole_message_job_is_legal),
        cmocka_unit_test(usage_windows_may_come_anywhere_in_a_job_and_change_nothing),
        cmocka_unit_test(every_phase_and_type_has_a_name),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
