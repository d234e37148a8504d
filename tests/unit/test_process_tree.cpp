// Ending a whole process tree. The test binary is a child subreaper, as the
// executor is, so daemonised grandchildren are reparented to it.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "common/monotonic.h"
#include "executor/process_tree.h"
#include "cmocka_cpp.h"

namespace {

pid_t spawn_sh(const char *script) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, static_cast<char *>(nullptr));
        _exit(127);
    }
    return pid;
}

// Waits (bounded, generously) until this process has at least n descendants.
void wait_for_descendants(size_t n) {
    uint64_t give_up = monotonic_ms() + 20000;
    while (process_tree_descendants(getpid()).size() < n) {
        if (monotonic_ms() > give_up) fail_msg("the tree did not grow to %zu processes", n);
        usleep(5000);
    }
}

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

}  // namespace

static void descendants_include_grandchildren(void **) {
    pid_t sh = spawn_sh("sleep 100 & sleep 100 & wait");
    wait_for_descendants(3);
    auto below_sh = process_tree_descendants(sh);
    assert_int_equal(below_sh.size(), 2);
    auto below_us = process_tree_descendants(getpid());
    assert_int_equal(below_us.size(), 3);
    assert_true(process_tree_terminate(50, 5000));
}

static void a_tree_of_children_is_all_ended_and_reaped(void **) {
    spawn_sh("sleep 100 & (sleep 100 & sleep 100 & wait) & wait");
    spawn_sh("sleep 100");
    wait_for_descendants(7);
    assert_true(process_tree_terminate(50, 5000));
    assert_true(process_tree_descendants(getpid()).empty());
    assert_int_equal(waitpid(-1, nullptr, WNOHANG), -1);  // no child left, not even a zombie
}

static void a_daemonised_grandchild_is_ended(void **) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    // The grandchild leaves the session and its parent exits: it is ours
    // (the subreaper's) now, and writes its pid so we can look for it.
    std::string script = "(setsid sh -c 'echo $$ >&" + std::to_string(p[1]) + "; exec sleep 100' &) ; exit 0";
    pid_t sh = spawn_sh(script.c_str());
    close(p[1]);
    char buf[32] = {};
    assert_true(read(p[0], buf, sizeof buf - 1) > 0);
    close(p[0]);
    pid_t daemon = static_cast<pid_t>(atoi(buf));
    assert_int_equal(waitpid(sh, nullptr, 0), sh);
    wait_for_descendants(1);
    assert_true(alive(daemon));
    assert_true(process_tree_terminate(50, 5000));
    assert_false(alive(daemon));
}

static void a_process_ignoring_term_is_killed_after_the_grace(void **) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    // Says it is ready once TERM is ignored, so the TERM cannot come first.
    std::string script = "trap '' TERM; echo ready >&" + std::to_string(p[1]) + "; while :; do sleep 1; done";
    pid_t sh = spawn_sh(script.c_str());
    close(p[1]);
    char buf[8];
    assert_true(read(p[0], buf, sizeof buf) > 0);
    close(p[0]);
    uint64_t t0 = monotonic_ms();
    assert_true(process_tree_terminate(200, 5000));
    uint64_t took = monotonic_ms() - t0;
    assert_false(alive(sh));
    assert_true(took >= 200);   // TERM was not enough: KILL came after the grace
    assert_true(took < 10000);  // and the whole end is bounded
}

static void with_no_children_terminate_returns_at_once(void **) {
    uint64_t t0 = monotonic_ms();
    assert_true(process_tree_terminate(5000, 5000));
    assert_true(monotonic_ms() - t0 < 2500);
}

int main() {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(descendants_include_grandchildren),
        cmocka_unit_test(a_tree_of_children_is_all_ended_and_reaped),
        cmocka_unit_test(a_daemonised_grandchild_is_ended),
        cmocka_unit_test(a_process_ignoring_term_is_killed_after_the_grace),
        cmocka_unit_test(with_no_children_terminate_returns_at_once),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
