// The only backend today: one `codex exec` process per job.
//
// In the spirit of Postfix's pipe_command(): the command runs in its own
// session with the environment the executor was given (already an
// allow-list), its prompt on stdin, and a kill of the whole process tree on
// timeout or cancel. It owns no process between jobs, so every descendant
// of the executor when a job ends is that job's, and is ended then (a
// daemonised grandchild included: the executor is their subreaper).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/log.h"
#include "common/monotonic.h"
#include "common/unique_fd.h"
#include "executor/backend.h"
#include "executor/codex_events.h"
#include "executor/codex_failure.h"
#include "executor/codex_flags.h"
#include "executor/job_files.h"
#include "executor/process_tree.h"
#include "executor/utf8_repair.h"

extern char **environ;

namespace {

constexpr size_t kStderrTail = 2048;
constexpr size_t kMaxLine = 16u << 20;  // one JSONL event; an answer can be large
constexpr int kDrainAfterExitMs = 500;
// Reaping after the kill: bounded so that a process stuck in uninterruptible
// I/O delays the answer at most this long (it is reaped at a later job).
constexpr uint32_t kReapWaitMs = 2000;

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link it.
int pidfd_for(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

std::vector<std::string> codex_argv(const ExecutorSetup &o, const ipc::JobMsg &job, const std::string &dir,
                                    const JobFiles &files) {
    std::vector<std::string> a = {o.codex_bin, "exec", "--json", "--skip-git-repo-check", "--ephemeral", "--sandbox",
                                  "read-only", "-C",   dir};
    for (auto &f : codex_model_flags(o.model_catalog)) a.push_back(f);
    if (!job.model.empty()) a.insert(a.end(), {"-m", job.model});
    if (!job.reasoning_effort.empty())  // checked by the supervisor: a plain word
        a.insert(a.end(), {"-c", "model_reasoning_effort=\"" + job.reasoning_effort + "\""});
    if (!files.output_schema.empty()) a.insert(a.end(), {"--output-schema", files.output_schema});
    for (const auto &img : files.images) a.push_back("--image=" + img);
    // The prompt comes on stdin (argv strings stop at 128 KiB); "--" keeps
    // --image from taking "-" for a file.
    a.insert(a.end(), {"--", "-"});
    return a;
}

struct Pipes {
    UniqueFd in_r, in_w, out_r, out_w, err_r, err_w, exec_r, exec_w;
    bool open() {
        int p[4][2];
        for (auto &pp : p)
            if (pipe2(pp, O_CLOEXEC) != 0) return false;
        in_r.reset(p[0][0]), in_w.reset(p[0][1]), out_r.reset(p[1][0]), out_w.reset(p[1][1]);
        err_r.reset(p[2][0]), err_w.reset(p[2][1]), exec_r.reset(p[3][0]), exec_w.reset(p[3][1]);
        return true;
    }
};

[[noreturn]] void exec_child(Pipes &p, const std::vector<std::string> &args, const std::string &dir, pid_t parent,
                             uint64_t cpu_seconds) {
    setsid();
    // Per process, so set here: in the long-lived executor it would add up
    // over every job it ever ran.
    struct rlimit cpu = {cpu_seconds, cpu_seconds};
    setrlimit(RLIMIT_CPU, &cpu);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(p.in_r.get(), 0);
    dup2(p.out_w.get(), 1);
    dup2(p.err_w.get(), 2);
    int err = 0;
    if (chdir(dir.c_str()) != 0) err = errno;
    if (!err) {
        std::vector<char *> argv;
        for (auto &s : args) argv.push_back(const_cast<char *>(s.c_str()));
        argv.push_back(nullptr);
        execvpe(argv[0], argv.data(), environ);
        err = errno;
    }
    // Tell the parent exec failed; the pipe is CLOEXEC so success says nothing.
    ssize_t ignored = write(p.exec_w.get(), &err, sizeof err);
    (void)ignored;
    _exit(127);
}

class CodexExecBackend final : public Backend {
public:
    explicit CodexExecBackend(const ExecutorSetup &s) : setup_(s) {}
    const char *name() const override { return "codex-exec"; }
    bool start(std::string &) override { return true; }
    ipc::DoneMsg run(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) override;
    BackendHealth health() override { return {}; }
    void stop() override {}

private:
    ipc::DoneMsg run_codex(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch);
    ExecutorSetup setup_;
};

// One run of codex: its pipes, what it said, and how it ended.
struct Run {
    JobChannel &ch;
    UniqueFd in, out, err, pidfd;
    pid_t pid = -1;
    const std::string *prompt = nullptr;
    size_t prompt_off = 0;
    std::string line, stderr_tail;
    bool turn_completed = false, turn_failed = false, out_eof = false, err_eof = false;
    bool exited = false;
    bool overlong = false;  // an event was lost: the answer cannot be trusted
    int wait_status = 0;
    std::string failure;

    explicit Run(JobChannel &c) : ch(c) {}
    void feed_prompt();
    void read_stdout();
    void read_stderr();
    void handle_line(std::string_view l);
    void reap();
};

void Run::feed_prompt() {
    while (prompt_off < prompt->size()) {
        ssize_t n = write(in.get(), prompt->data() + prompt_off, prompt->size() - prompt_off);
        if (n > 0) {
            prompt_off += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        break;  // EPIPE: codex stopped reading; its exit status will tell why
    }
    in.reset();  // codex waits for EOF before it starts
}

void Run::handle_line(std::string_view l) {
    CodexEvent ev = codex_event_parse(l);
    switch (ev.kind) {
    case CodexEventKind::AgentMessage: ch.message_end(utf8_repair(ev.text)); break;
    case CodexEventKind::TurnCompleted:
        turn_completed = true;
        ch.usage(ev.usage);
        break;
    case CodexEventKind::TurnFailed:
        turn_failed = true;
        failure = ev.text;
        break;
    case CodexEventKind::Notice:
        LogLine("executor", "warn", "codex notice").kv("detail", ev.text.substr(0, 300)).emit();
        break;
    case CodexEventKind::ToolActivity:
        LogLine("executor", "warn", "codex used a tool").kv("item", ev.item_type).emit();
        break;
    case CodexEventKind::Malformed:
        LogLine("executor", "warn", "codex printed a non-event line").kv("bytes", l.size()).emit();
        break;
    default: break;
    }
}

void Run::read_stdout() {
    char buf[65536];
    ssize_t n = read(out.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        out_eof = true;
        if (!line.empty()) handle_line(line);
        line.clear();
        return;
    }
    line.append(buf, static_cast<size_t>(n));
    size_t start = 0, nl;
    while ((nl = line.find('\n', start)) != std::string::npos) {
        handle_line(std::string_view(line).substr(start, nl - start));
        start = nl + 1;
    }
    line.erase(0, start);
    if (line.size() > kMaxLine) {  // one absurd line must not exhaust memory
        line.clear();
        overlong = true;
    }
}

void Run::read_stderr() {
    char buf[4096];
    ssize_t n = read(err.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        err_eof = true;
        return;
    }
    stderr_tail.append(buf, static_cast<size_t>(n));
    if (stderr_tail.size() > kStderrTail) stderr_tail.erase(0, stderr_tail.size() - kStderrTail);
}

void Run::reap() {
    if (exited) return;
    if (waitpid(pid, &wait_status, WNOHANG) == pid) exited = true;
}

int32_t exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
}

bool spawn(Run &r, const std::vector<std::string> &args, const std::string &dir, uint64_t cpu_seconds,
           std::string &error) {
    Pipes p;
    if (!p.open()) {
        error = std::string("pipe: ") + strerror(errno);
        return false;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork: ") + strerror(errno);
        return false;
    }
    if (pid == 0) exec_child(p, args, dir, parent, cpu_seconds);
    p.exec_w.reset();
    int child_errno = 0;
    ssize_t got;
    do got = read(p.exec_r.get(), &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    r.pid = pid;
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
        waitpid(pid, nullptr, 0);
        error = std::string("cannot run codex: ") + strerror(child_errno);
        return false;
    }
    r.in = std::move(p.in_w), r.out = std::move(p.out_r), r.err = std::move(p.err_r);
    for (int fd : {r.in.get(), r.out.get(), r.err.get()}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    r.pidfd.reset(pidfd_for(pid));
    return true;
}

// Waits up to timeout_ms for the next thing to happen (the supervisor's
// cancel, codex's output, room for the prompt, codex's exit) and handles it.
void pump_once(Run &r, int timeout_ms, bool &stop_requested) {
    struct pollfd fds[5];
    int n = 0;
    auto add = [&](int fd, short ev) {
        fds[n] = {fd, ev, 0};
        return n++;
    };
    int ic = add(r.ch.control_fd(), POLLIN);
    int io = r.out_eof ? -1 : add(r.out.get(), POLLIN);
    int ie = r.err_eof ? -1 : add(r.err.get(), POLLIN);
    int ii = r.in.valid() ? add(r.in.get(), POLLOUT) : -1;
    int ip = (r.pidfd.valid() && !r.exited) ? add(r.pidfd.get(), POLLIN) : -1;
    // Without a pidfd (old kernels) exit is noticed by polling.
    if (!r.pidfd.valid() && !r.exited && timeout_ms > 50) timeout_ms = 50;
    if (poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) {
        r.reap();
        return;
    }
    if (fds[ic].revents && r.ch.control_ready()) stop_requested = true;
    if (io >= 0 && fds[io].revents) r.read_stdout();
    if (ie >= 0 && fds[ie].revents) r.read_stderr();
    if (ii >= 0 && fds[ii].revents) r.feed_prompt();
    if (ip >= 0 && fds[ip].revents) r.reap();
    if (!r.pidfd.valid()) r.reap();
}

ipc::DoneMsg classify(Run &r) {
    ipc::DoneMsg d;
    d.exit_status = exit_code_of(r.wait_status);
    if (r.turn_failed) {
        CodexFailure f = codex_failure_classify(r.failure, time(nullptr));
        d.outcome = f.outcome;
        d.retry_after_s = f.retry_after_s;
        d.provider_status = f.provider_status;
        d.detail = r.failure;
    } else if (!r.exited || d.exit_status != 0) {
        d.outcome = ipc::Outcome::BackendFailed;
        d.detail = "codex exited with status " + std::to_string(d.exit_status) + "; stderr tail: " + r.stderr_tail;
    } else if (r.overlong) {
        d.outcome = ipc::Outcome::BackendFailed;
        d.detail = "codex printed an event line over " + std::to_string(kMaxLine) + " bytes";
    } else if (!r.turn_completed) {
        d.outcome = ipc::Outcome::BackendFailed;
        d.detail = "codex ended without completing the turn; stderr tail: " + r.stderr_tail;
    }
    return d;
}

ipc::DoneMsg CodexExecBackend::run(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) {
    ipc::DoneMsg done = run_codex(job, dir, ch);
    // Whatever the job left running (a daemonised helper, a stuck
    // grandchild), whichever way it ended.
    if (!process_tree_terminate(setup_.kill_grace_ms, kReapWaitMs))
        LogLine("executor", "error", "job processes not yet reaped; going on").kv("waited_ms", kReapWaitMs).emit();
    return done;
}

ipc::DoneMsg CodexExecBackend::run_codex(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) {
    uint64_t start = monotonic_ms();
    uint64_t deadline = start + job.timeout_ms;
    Run r(ch);
    r.prompt = &job.prompt;
    ipc::DoneMsg done;
    std::string error;
    JobFiles files;
    if (!job_files_write(job, dir, files, error) ||
        !spawn(r, codex_argv(setup_, job, dir, files), dir, setup_.rlimit_cpu_seconds, error)) {
        done.outcome = ipc::Outcome::SpawnFailed;
        done.detail = error;
        return done;
    }
    r.feed_prompt();
    bool stop = false;
    uint64_t drain_until = 0;
    while (!stop) {
        uint64_t now = monotonic_ms();
        if (now >= deadline) break;
        if (r.exited && !drain_until) drain_until = now + kDrainAfterExitMs;
        // Done once codex has exited and said all it had to say; a
        // grandchild holding stdout open cannot keep the job alive.
        if (r.exited && ((r.out_eof && r.err_eof) || now >= drain_until)) break;
        uint64_t until = drain_until ? std::min(deadline, drain_until) : deadline;
        pump_once(r, static_cast<int>(until - now), stop);
    }
    bool timed_out = !stop && !r.exited;
    if (stop || timed_out) {
        done.outcome = stop ? ipc::Outcome::Cancelled : ipc::Outcome::Timeout;
        done.exit_status = -1;
    } else {
        done = classify(r);
    }
    done.backend_ms = static_cast<uint32_t>(monotonic_ms() - start);
    return done;
}

}  // namespace

std::unique_ptr<Backend> make_codex_exec_backend(const ExecutorSetup &setup) {
    return std::make_unique<CodexExecBackend>(setup);
}
