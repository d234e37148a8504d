#include "executor/app_server_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/monotonic.h"
#include "executor/process_tree.h"

extern char **environ;

namespace {

constexpr size_t kStderrTail = 4096;
constexpr uint64_t kKillRoundsMs = 1000;

int pidfd_for(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

struct ChildPipes {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, exec[2] = {-1, -1};
    bool open() {
        for (int *p : {in, out, err, exec})
            if (pipe2(p, O_CLOEXEC) != 0) return false;
        return true;
    }
    void close_all() {
        for (int *p : {in, out, err, exec})
            for (int i = 0; i < 2; i++)
                if (p[i] >= 0) close(p[i]), p[i] = -1;
    }
};

// Built before fork: the child only execs.
std::vector<std::string> environment_with(const std::vector<std::string> &extra) {
    std::vector<std::string> env;
    for (char **e = environ; *e; e++) {
        std::string v = *e;
        bool replaced = false;
        for (const auto &x : extra)
            if (v.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0) replaced = true;
        if (!replaced) env.push_back(std::move(v));
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char *> pointers(const std::vector<std::string> &v) {
    std::vector<char *> out;
    for (auto &s : v) out.push_back(const_cast<char *>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void run_child(ChildPipes &p, char *const *argv, char *const *envp, const std::string &dir, pid_t parent,
                            uint64_t cpu_seconds) {
    setsid();
    // Per process: the server's CPU over its whole life, a backstop that
    // recycling normally keeps far away.
    struct rlimit cpu = {cpu_seconds, cpu_seconds};
    setrlimit(RLIMIT_CPU, &cpu);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(p.in[0], 0);
    dup2(p.out[1], 1);
    dup2(p.err[1], 2);
    int err = 0;
    if (chdir(dir.c_str()) != 0) err = errno;
    if (!err) {
        execvpe(argv[0], argv, envp);
        err = errno;
    }
    ssize_t ignored = write(p.exec[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
}

uint64_t rss_kb_of(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

}  // namespace

bool AppServerProcess::spawn(const std::vector<std::string> &argv, const std::vector<std::string> &extra_env,
                             const std::string &dir, uint64_t cpu_seconds, std::string &error) {
    stop(0);
    std::vector<std::string> env = environment_with(extra_env);
    std::vector<char *> argp = pointers(argv), envp = pointers(env);
    ChildPipes p;
    if (!p.open()) {
        error = std::string("pipe: ") + strerror(errno);
        p.close_all();
        return false;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork: ") + strerror(errno);
        p.close_all();
        return false;
    }
    if (pid == 0) run_child(p, argp.data(), envp.data(), dir, parent, cpu_seconds);
    close(p.exec[1]), p.exec[1] = -1;
    int child_errno = 0;
    ssize_t got;
    do got = read(p.exec[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
        waitpid(pid, nullptr, 0);
        p.close_all();
        error = std::string("cannot run codex: ") + strerror(child_errno);
        return false;
    }
    pid_ = pid;
    exited_ = false;
    status_ = 0;
    stderr_tail_.clear();
    in_.reset(p.in[1]), p.in[1] = -1;
    out_.reset(p.out[0]), p.out[0] = -1;
    err_.reset(p.err[0]), p.err[0] = -1;
    p.close_all();
    (void)fcntl(err_.get(), F_SETFL, fcntl(err_.get(), F_GETFL) | O_NONBLOCK);
    pidfd_.reset(pidfd_for(pid));
    return true;
}

void AppServerProcess::drain_stderr() {
    char buf[4096];
    for (int i = 0; i < 64 && err_.valid(); i++) {  // bounded: a chatty server cannot hold us
        ssize_t n = read(err_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            err_.reset();
            return;
        }
        stderr_tail_.append(buf, static_cast<size_t>(n));
        if (stderr_tail_.size() > kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
    }
}

bool AppServerProcess::exited() {
    if (pid_ <= 0) return true;
    if (!exited_ && waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
}

uint64_t AppServerProcess::tree_rss_kb() const {
    if (pid_ <= 0 || exited_) return 0;
    uint64_t kb = rss_kb_of(pid_);
    for (pid_t d : process_tree_descendants(pid_)) kb += rss_kb_of(d);
    return kb;
}

void AppServerProcess::stop(uint32_t grace_ms) {
    if (pid_ <= 0) return;
    in_.reset();  // EOF on its stdin: a well-behaved server ends on its own
    // Its tree, found before the server dies: orphans are reparented to the
    // executor (a subreaper), where process_tree_* find them again.
    std::vector<pid_t> tree = process_tree_descendants(pid_);
    if (!exited()) tree.push_back(pid_);
    kill(-pid_, SIGTERM);
    for (pid_t p : tree) kill(p, SIGTERM);
    uint64_t deadline = monotonic_ms() + grace_ms;
    while (!exited() && monotonic_ms() < deadline) usleep(2000);
    uint64_t give_up = monotonic_ms() + kKillRoundsMs;
    while (!exited() && monotonic_ms() < give_up) {
        kill(-pid_, SIGKILL);
        kill(pid_, SIGKILL);
        usleep(2000);
    }
    if (!exited()) waitpid(pid_, &status_, 0);  // SIGKILLed: only uninterruptible I/O delays it
    // Whatever of its tree is left (it left the group, or was reparented to us).
    process_tree_signal(0);
    process_tree_reap(kKillRoundsMs);
    pid_ = -1;
    exited_ = true;
    out_.reset(), err_.reset(), pidfd_.reset();
}
