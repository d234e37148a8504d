#include "supervisor/api/off_loop.h"
#include "cmocka_cpp.h"

#include <pthread.h>

#include <atomic>
#include <memory>

namespace {

struct Seen {
    std::atomic<bool> ran{false}, started{false}, release{true};
    bool done = false, dropped = false, done_on_loop_thread = false;
    pthread_t loop_thread = pthread_self();
};

class Task final : public OffLoopTask {
public:
    explicit Task(Seen &s) : s_(s) {}
    void run() override {
        s_.started = true;
        while (!s_.release) {}
        s_.ran = true;
    }
    void done() override {
        s_.done = true;
        s_.done_on_loop_thread = pthread_equal(pthread_self(), s_.loop_thread);
    }
    void dropped() override { s_.dropped = true; }

private:
    Seen &s_;
};

}  // namespace

static void done_runs_on_the_loop_after_the_work(void **) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    Seen s;
    OffLoopWork w;
    w.start(&loop, std::make_unique<Task>(s));
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(s.ran);
    assert_true(s.done);
    assert_true(s.done_on_loop_thread);
    assert_false(s.dropped);
    uv_loop_close(&loop);
}

static void an_owner_gone_while_the_work_runs_never_sees_its_result(void **) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    Seen s;
    s.release = false;
    auto w = std::make_unique<OffLoopWork>();
    w->start(&loop, std::make_unique<Task>(s));
    while (!s.started) {}
    w.reset();  // too late to cancel: the work goes on, its result is dropped
    s.release = true;
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(s.ran);
    assert_false(s.done);
    assert_true(s.dropped);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void a_cut_before_the_loop_runs_drops_the_result(void **) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    Seen s;
    OffLoopWork w;
    w.start(&loop, std::make_unique<Task>(s));
    w.cut();
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_false(s.done);
    assert_true(s.dropped);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(done_runs_on_the_loop_after_the_work),
        cmocka_unit_test(an_owner_gone_while_the_work_runs_never_sees_its_result),
        cmocka_unit_test(a_cut_before_the_loop_runs_drops_the_result),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
