#include "supervisor/jobs/executor_slot.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "common/executor_setup.h"
#include "common/log.h"
#include "supervisor/system/orphans.h"
#include "supervisor/jobs/jobs_context.h"
#include "supervisor/system/work_directory.h"

namespace {

constexpr uint32_t kFirstBackoffMs = 100;
constexpr uint32_t kMaxBackoffMs = 10000;
// An executor that lived this long before dying was healthy; restart fast.
constexpr uint64_t kHealthyLifeMs = 5000;

// The executor's environment is an allow-list: nothing else the supervisor
// was given (its API keys above all) reaches it or codex.
std::vector<std::string> executor_env(const JobsContext &app) {
    std::vector<std::string> names = {"PATH", "HOME", "LANG", "TZ"};
    names.insert(names.end(), app.cfg.pass_env.begin(), app.cfg.pass_env.end());
    std::vector<std::string> env;
    for (const auto &n : names) {
        if (n.rfind("CODEX_PROXY_", 0) == 0) continue;                // never the proxy's own settings
        if (n == "CODEX_HOME" || n == "CODEX_SQLITE_HOME") continue;  // the executor sets them from its setup
        // root's HOME is no place for the run user's files
        if (n == "HOME" && app.run_as.drop) env.push_back("HOME=" + app.run_as.home);
        else if (const char *v = getenv(n.c_str())) env.push_back(n + "=" + v);
    }
    env.insert(env.end(), app.codex.env.begin(), app.codex.env.end());
    return env;
}

// The executor's own SQLite directory, made before it starts.
void prepare_sqlite_dir(const JobsContext &app, int index) {
    std::string d = private_home_sqlite_dir(app.private_home, index);
    if (mkdir(d.c_str(), 0700) == 0 && geteuid() == 0) lchown(d.c_str(), app.run_as.uid, app.run_as.gid);
}

void schedule_respawn(ExecutorSlot &s) {
    const JobsContext &app = *s.ctx;
    if (app.executors_stopping) {
        s.state = ExecutorSlot::State::Stopped;
        s.owner->slot_stopped(s);
        return;
    }
    app.metrics.executor_restarts++;
    uint64_t lived = uv_now(app.loop) - s.spawned_ms;
    s.backoff_ms =
        lived >= kHealthyLifeMs || !s.backoff_ms ? kFirstBackoffMs : std::min(s.backoff_ms * 2, kMaxBackoffMs);
    s.state = ExecutorSlot::State::Restarting;
    uv_timer_start(
        &s.timer, [](uv_timer_t *t) { executor_slot_spawn(*static_cast<ExecutorSlot *>(t->data)); }, s.backoff_ms, 0);
}

void on_handle_closed(uv_handle_t *h) {
    auto &s = *static_cast<ExecutorSlot *>(h->data);
    if (--s.handles_open == 0) schedule_respawn(s);
}

void on_exit(uv_process_t *p, int64_t status, int term_signal) {
    auto &s = *static_cast<ExecutorSlot *>(p->data);
    LogLine("supervisor", s.ctx->executors_stopping ? "info" : "warn", "executor exited")
        .kv("executor", s.index)
        .kv("pid", s.pid)
        .kv("status", static_cast<int64_t>(status))
        .kv("signal", term_signal)
        .emit();
    uv_timer_stop(&s.timer);
    s.running = false;
    // Whatever its job left running has been reparented to us: end it.
    int ended = orphans_terminate(s.owner->executor_pids(), 500);
    if (ended) LogLine("supervisor", "warn", "ended processes a dead executor left").kv("count", ended).emit();
    s.owner->slot_lost(s);
    uv_close(reinterpret_cast<uv_handle_t *>(&s.process), on_handle_closed);
    if (!uv_is_closing(reinterpret_cast<uv_handle_t *>(&s.channel)))
        uv_close(reinterpret_cast<uv_handle_t *>(&s.channel), on_handle_closed);
}

// nullptr when the frame is legal here and the scheduler took it.
const char *judge_frame(ExecutorSlot &s, ipc::FrameStatus fs, const ipc::FrameHeader &h, const std::string &payload) {
    if (fs == ipc::FrameStatus::Corrupt) return "malformed frame";
    ExecutorPhase next;
    if (!executor_protocol_step(executor_slot_phase(s), h.type, next)) return "frame not allowed in this phase";
    if (s.state == ExecutorSlot::State::Busy && next != ExecutorPhase::Idle) s.job_phase = next;
    return s.owner->slot_frame(s, h, payload);
}

void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
    auto &s = *static_cast<ExecutorSlot *>(st->data);
    if (nread > 0) s.reader.feed(buf->base, static_cast<size_t>(nread));
    free(buf->base);
    if (nread < 0) {
        // The executor closed its end: it is exiting (or wedged); on_exit follows.
        uv_read_stop(st);
        executor_slot_kill(s);
        return;
    }
    ipc::FrameHeader h;
    std::string payload;
    const char *violation = nullptr, *frame = "none";
    ExecutorPhase phase = executor_slot_phase(s);
    // The first bad frame ends the reading: what follows it is not trusted,
    // and the job fails now rather than at the backstop.
    for (;;) {
        ipc::FrameStatus fs = s.reader.next(h, payload);
        if (fs == ipc::FrameStatus::NeedMore) return;
        phase = executor_slot_phase(s);
        frame = fs == ipc::FrameStatus::Corrupt ? "malformed" : ipc::msg_type_name(h.type);
        violation = judge_frame(s, fs, h, payload);
        if (violation) break;
        // A frame may have closed the channel (an executor stopping).
        if (uv_is_closing(reinterpret_cast<uv_handle_t *>(st))) return;
    }
    LogLine("supervisor", "error", "executor broke protocol; killing it")
        .kv("executor", s.index)
        .kv("pid", s.pid)
        .kv("frame", frame)
        .kv("phase", executor_phase_name(phase))
        .kv("violation", violation)
        .emit();
    uv_read_stop(st);
    executor_slot_kill(s);
}

// Everything the executor is given but its environment; sent as its first frame.
ExecutorSetup executor_setup(const JobsContext &app, int index) {
    const Config &c = app.cfg;
    ExecutorSetup e;
    e.supervisor_pid = static_cast<uint32_t>(getpid());
    e.backend = c.backend;
    e.codex_bin = app.codex.path;
    e.workdir = work_directory_for_executor(c.workdir, index);
    e.model_catalog = app.model_catalog;
    e.codex_home = app.private_home.dir;
    e.sqlite_home = private_home_sqlite_dir(app.private_home, index);
    e.rlimit_nofile = c.rlimit_nofile;
    e.rlimit_fsize = uint64_t{c.rlimit_fsize_mb} << 20;
    e.rlimit_cpu_seconds = c.rlimit_cpu_seconds;
    e.landlock = c.landlock;
    e.app_server_max_turns = c.app_server_max_turns;
    e.app_server_max_rss_mb = c.app_server_max_rss_mb;
    e.app_server_max_idle_ms = c.app_server_max_idle_ms;
    return e;
}

bool start_process(ExecutorSlot &s, int child_fd) {
    const JobsContext &app = *s.ctx;
    std::string path = app.executor_path;
    char *argv[] = {path.data(), nullptr};
    prepare_sqlite_dir(app, s.index);
    std::vector<std::string> env = executor_env(app);
    std::vector<char *> envp;
    for (auto &e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    static_assert(kExecutorChannelFd == 3, "stdio is 0-2, then the channel");
    uv_stdio_container_t stdio[kExecutorChannelFd + 1];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = 2;  // executors log to the supervisor's stderr
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    stdio[kExecutorChannelFd].flags = UV_INHERIT_FD;
    stdio[kExecutorChannelFd].data.fd = child_fd;
    uv_process_options_t o = {};
    o.exit_cb = on_exit;
    o.file = argv[0];
    o.args = argv;
    o.env = envp.data();
    o.stdio = stdio;
    o.stdio_count = kExecutorChannelFd + 1;
    // Its own session: a terminal's ^C reaches the supervisor, which then
    // shuts executors down in order instead of them dying mid-job.
    o.flags = UV_PROCESS_DETACHED;
    // Only at start, while the supervisor is still root: libuv then clears
    // supplementary groups and sets gid and uid in the child.
    if (app.run_as.drop && geteuid() == 0) {
        o.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
        o.uid = app.run_as.uid;
        o.gid = app.run_as.gid;
    }
    s.process.data = &s;
    int rc = uv_spawn(app.loop, &s.process, &o);
    if (rc != 0) {
        LogLine("supervisor", "error", "cannot start executor")
            .kv("path", app.executor_path)
            .kv("error", uv_strerror(rc))
            .emit();
        return false;
    }
    s.pid = s.process.pid;
    s.running = true;
    return true;
}

}  // namespace

void executor_slot_spawn(ExecutorSlot &s) {
    const JobsContext &app = *s.ctx;
    s.spawned_ms = uv_now(app.loop);
    s.reader = ipc::FrameReader();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        schedule_respawn(s);
        return;
    }
    if (!start_process(s, sv[1])) {
        close(sv[0]);
        close(sv[1]);
        // uv_spawn failed: the handle still needs closing before reuse.
        s.handles_open = 1;
        uv_close(reinterpret_cast<uv_handle_t *>(&s.process), on_handle_closed);
        return;
    }
    close(sv[1]);
    uv_pipe_init(app.loop, &s.channel, 0);
    s.channel.data = &s;
    uv_pipe_open(&s.channel, sv[0]);
    s.handles_open = 2;
    s.state = ExecutorSlot::State::Starting;
    std::string setup = executor_setup_encode(executor_setup(app, s.index));
    if (!executor_slot_send(s, ipc::MsgType::Setup, 0, setup)) executor_slot_kill(s);
    uv_read_start(
        reinterpret_cast<uv_stream_t *>(&s.channel),
        [](uv_handle_t *, size_t n, uv_buf_t *b) {
            *b = uv_buf_init(static_cast<char *>(malloc(n)), static_cast<unsigned>(n));
        },
        on_read);
    // An executor that never says Ready is as good as dead.
    executor_slot_arm_backstop(s, kExecutorReadyBackstopMs);
}

ExecutorPhase executor_slot_phase(const ExecutorSlot &s) {
    switch (s.state) {
    case ExecutorSlot::State::Starting: return ExecutorPhase::Starting;
    case ExecutorSlot::State::Idle: return ExecutorPhase::Idle;
    case ExecutorSlot::State::Busy: return s.job_phase;
    default: return ExecutorPhase::Gone;
    }
}

bool executor_slot_send(ExecutorSlot &s, ipc::MsgType type, uint64_t job_id, const std::string &payload) {
    if (s.handles_open < 2 || uv_is_closing(reinterpret_cast<uv_handle_t *>(&s.channel))) return false;
    struct Req {
        uv_write_t w;
        std::string frame;
    };
    auto *r = new Req;
    ipc::frame_append(r->frame, type, job_id, payload);
    uv_buf_t b = uv_buf_init(r->frame.data(), static_cast<unsigned>(r->frame.size()));
    int rc = uv_write(&r->w, reinterpret_cast<uv_stream_t *>(&s.channel), &b, 1,
                      [](uv_write_t *w, int) { delete reinterpret_cast<Req *>(w); });
    if (rc != 0) {
        delete r;
        return false;
    }
    return true;
}

void executor_slot_kill(ExecutorSlot &s) {
    if (s.running) uv_process_kill(&s.process, SIGKILL);
}

void executor_slot_stop(ExecutorSlot &s) {
    if (s.handles_open == 2 && !uv_is_closing(reinterpret_cast<uv_handle_t *>(&s.channel))) {
        uv_read_stop(reinterpret_cast<uv_stream_t *>(&s.channel));
        uv_close(reinterpret_cast<uv_handle_t *>(&s.channel), on_handle_closed);
    }
}

void executor_slot_arm_backstop(ExecutorSlot &s, uint64_t ms) {
    uv_timer_start(
        &s.timer,
        [](uv_timer_t *t) {
            auto &s = *static_cast<ExecutorSlot *>(t->data);
            LogLine("supervisor", "error", "executor unresponsive; killing it").kv("executor", s.index).emit();
            executor_slot_kill(s);
        },
        ms, 0);
}
