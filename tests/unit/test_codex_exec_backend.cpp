// The codex-exec backend against a scripted fake codex: a shell script the
// test writes, which reads the prompt on stdin and prints JSONL events (or
// crashes, hangs, leaves a daemon behind). The test binary is a child
// subreaper, as the executor is.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/monotonic.h"
#include "common/tree_removal.h"
#include "executor/backend.h"
#include "executor/process_tree.h"
#include "cmocka_cpp.h"

namespace {

// Records what the backend says; the control pipe stands for the supervisor.
class RecordingChannel final : public JobChannel {
public:
    RecordingChannel() {
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) r_ = p[0], w_ = p[1];
    }
    ~RecordingChannel() override {
        close(r_);
        close(w_);
    }
    void cancel() {
        ssize_t ignored = write(w_, "c", 1);
        (void)ignored;
    }
    int control_fd() const override { return r_; }
    bool control_ready() override {
        char c;
        return read(r_, &c, 1) == 1;
    }
    void text_delta(std::string_view t) override { events.push_back("delta:" + std::string(t)); }
    void message_end(std::string_view t) override { events.push_back("end:" + std::string(t)); }
    void usage(const ipc::UsageMsg &u) override {
        events.push_back("usage:" + std::to_string(u.input_tokens) + "/" + std::to_string(u.output_tokens));
    }
    void usage_windows(const ipc::UsageWindowsMsg &w) override {
        events.push_back("windows:" + std::to_string(w.windows.size()));
    }
    std::vector<std::string> events;

private:
    int r_ = -1, w_ = -1;
};

std::string g_base;

// A fake codex whose body is the given shell script.
std::string fake_codex(const std::string &body) {
    static int n = 0;
    std::string path = g_base + "/codex-" + std::to_string(n++);
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
}

std::string job_dir() {
    static int n = 0;
    std::string d = g_base + "/job-" + std::to_string(n++);
    mkdir(d.c_str(), 0700);
    return d;
}

ipc::DoneMsg run(const std::string &codex_body, RecordingChannel &ch, uint32_t timeout_ms = 20000,
                 const std::string &prompt = "the prompt", std::string *dir_out = nullptr) {
    ExecutorSetup s;
    s.codex_bin = fake_codex(codex_body);
    s.rlimit_cpu_seconds = 60;
    auto b = make_codex_exec_backend(s);
    ipc::JobMsg job;
    job.timeout_ms = timeout_ms;
    job.prompt = prompt;
    std::string dir = job_dir();
    if (dir_out) *dir_out = dir;
    return b->run(job, dir, ch);
}

const char *kMessage =
    "printf '%s\\n' '{\"type\":\"item.completed\",\"item\":{\"type\":\"agent_message\",\"text\":\"hello\"}}'\n";
const char *kTurn =
    "printf '%s\\n' '{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}'\n";

std::string file_text(const std::string &p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

}  // namespace

static void a_turn_becomes_messages_then_usage_and_ok(void **) {
    RecordingChannel ch;
    ipc::DoneMsg d = run(std::string("cat >/dev/null\n") + kMessage + kMessage + kTurn, ch);
    assert_int_equal(d.outcome, ipc::Outcome::Ok);
    assert_int_equal(ch.events.size(), 3);
    assert_str_equal(ch.events[0], "end:hello");
    assert_str_equal(ch.events[1], "end:hello");
    assert_str_equal(ch.events[2], "usage:3/4");
}

static void the_prompt_arrives_on_stdin_in_the_job_directory(void **) {
    RecordingChannel ch;
    std::string dir;
    ipc::DoneMsg d = run(std::string("cat > prompt-seen\n") + kTurn, ch, 20000, "line one\nline two", &dir);
    assert_int_equal(d.outcome, ipc::Outcome::Ok);
    assert_str_equal(file_text(dir + "/prompt-seen"), "line one\nline two");
}

static void a_turn_without_completion_is_backend_failed(void **) {
    RecordingChannel ch;
    ipc::DoneMsg d = run(std::string("cat >/dev/null\n") + kMessage, ch);
    assert_int_equal(d.outcome, ipc::Outcome::BackendFailed);
}

static void a_failed_turn_is_model_failed_with_its_message(void **) {
    RecordingChannel ch;
    ipc::DoneMsg d =
        run("cat >/dev/null\nprintf '%s\\n' '{\"type\":\"turn.failed\",\"error\":{\"message\":\"quota\"}}'\n", ch);
    assert_int_equal(d.outcome, ipc::Outcome::ModelFailed);
    assert_str_equal(d.detail, "quota");
}

static void a_provider_failure_carries_the_providers_status(void **) {
    RecordingChannel ch;
    ipc::DoneMsg d =
        run("cat >/dev/null\nprintf '%s\\n' '{\"type\":\"turn.failed\",\"error\":{\"message\":\"unexpected status 503 "
            "Service Unavailable: busy\"}}'\nexit 1\n",
            ch);
    assert_int_equal(d.outcome, ipc::Outcome::ProviderFailed);
    assert_int_equal(d.provider_status, 503);
}

static void a_crash_is_backend_failed_with_the_signal_and_stderr(void **) {
    RecordingChannel ch;
    ipc::DoneMsg d = run("cat >/dev/null\necho CRASH-MARKER >&2\nkill -SEGV $$\n", ch);
    assert_int_equal(d.outcome, ipc::Outcome::BackendFailed);
    assert_int_equal(d.exit_status, -SIGSEGV);
    assert_true(d.detail.find("CRASH-MARKER") != std::string::npos);
}

static void a_codex_that_cannot_be_run_is_spawn_failed(void **) {
    ExecutorSetup s;
    s.codex_bin = g_base + "/no-such-codex";
    auto b = make_codex_exec_backend(s);
    RecordingChannel ch;
    ipc::JobMsg job;
    job.timeout_ms = 5000;
    ipc::DoneMsg d = b->run(job, job_dir(), ch);
    assert_int_equal(d.outcome, ipc::Outcome::SpawnFailed);
}

static void a_hang_is_killed_at_the_deadline(void **) {
    RecordingChannel ch;
    uint64_t t0 = monotonic_ms();
    ipc::DoneMsg d = run("cat >/dev/null\nexec sleep 100\n", ch, 300);
    uint64_t took = monotonic_ms() - t0;
    assert_int_equal(d.outcome, ipc::Outcome::Timeout);
    assert_true(took >= 300);
    assert_true(took < 15000);
    assert_true(process_tree_descendants(getpid()).empty());
}

static void a_cancel_ends_the_run(void **) {
    RecordingChannel ch;
    ch.cancel();
    ipc::DoneMsg d = run("cat >/dev/null\nexec sleep 100\n", ch);
    assert_int_equal(d.outcome, ipc::Outcome::Cancelled);
    assert_true(process_tree_descendants(getpid()).empty());
}

static void a_daemonised_grandchild_is_ended_with_the_job(void **) {
    RecordingChannel ch;
    std::string dir;
    // It leaves the session and its parent: only the subreaper still sees it.
    ipc::DoneMsg d = run(std::string("cat >/dev/null\n(setsid sh -c 'echo $$ > daemon.pid; exec sleep 100' "
                                     "</dev/null >/dev/null 2>&1 &)\n"
                                     "while [ ! -s daemon.pid ]; do sleep 0.01; done\n") +
                             kMessage + kTurn,
                         ch, 20000, "p", &dir);
    assert_int_equal(d.outcome, ipc::Outcome::Ok);
    pid_t daemon = static_cast<pid_t>(atoi(file_text(dir + "/daemon.pid").c_str()));
    assert_true(daemon > 0);
    assert_false(alive(daemon));
    assert_true(process_tree_descendants(getpid()).empty());
    assert_int_equal(waitpid(-1, nullptr, WNOHANG), -1);  // reaped too
}

static void the_exec_backend_is_chosen_by_name_and_always_healthy(void **) {
    ExecutorSetup s;
    std::string error;
    auto b = make_backend("exec", s, error);
    assert_non_null(b.get());
    assert_str_equal(b->name(), "codex-exec");
    assert_true(b->start(error));
    assert_int_equal(b->health().state, BackendHealth::State::Ok);
    assert_int_equal(b->idle_check_ms(), -1);
    b->stop();
    b->stop();  // idempotent
}

static void an_unknown_backend_name_is_an_error(void **) {
    ExecutorSetup s;
    std::string error;
    assert_null(make_backend("exec2", s, error).get());
    assert_str_equal(error, "unknown backend 'exec2'");
}

static int make_base(void **) {
    char dir[] = "/tmp/test-codex-exec-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    g_base = dir;
    return 0;
}

static int remove_base(void **) { return remove_tree(g_base) ? 0 : -1; }

int main() {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_turn_becomes_messages_then_usage_and_ok),
        cmocka_unit_test(the_prompt_arrives_on_stdin_in_the_job_directory),
        cmocka_unit_test(a_turn_without_completion_is_backend_failed),
        cmocka_unit_test(a_failed_turn_is_model_failed_with_its_message),
        cmocka_unit_test(a_provider_failure_carries_the_providers_status),
        cmocka_unit_test(a_crash_is_backend_failed_with_the_signal_and_stderr),
        cmocka_unit_test(a_codex_that_cannot_be_run_is_spawn_failed),
        cmocka_unit_test(a_hang_is_killed_at_the_deadline),
        cmocka_unit_test(a_cancel_ends_the_run),
        cmocka_unit_test(a_daemonised_grandchild_is_ended_with_the_job),
        cmocka_unit_test(the_exec_backend_is_chosen_by_name_and_always_healthy),
        cmocka_unit_test(an_unknown_backend_name_is_an_error),
    };
    return cmocka_run_group_tests(tests, make_base, remove_base);
}
