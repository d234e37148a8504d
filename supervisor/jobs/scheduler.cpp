#include "supervisor/jobs/scheduler.h"

#include <algorithm>
#include <ctime>

#include "common/log.h"

namespace {
// Queued jobs are checked against their deadline this often.
constexpr uint64_t kSweepMs = 200;
// How long past its own timeout a job may go before its executor is killed.
constexpr uint64_t kBackstopSlackMs = 5000;
// The outcome label of a job that left the scheduler.
const char *job_outcome(const JobResult &r) {
    switch (r.kind) {
    case JobResult::Kind::Finished: return ipc::outcome_name(r.done.outcome);
    case JobResult::Kind::ExecutorLost: return "executor_lost";
    case JobResult::Kind::ShuttingDown: return "shutting_down";
    case JobResult::Kind::QueueTimeout: return "queue_timeout";
    }
    return "unknown";
}
}  // namespace

Scheduler::Scheduler(JobsContext ctx) : ctx_(std::move(ctx)) {
    uv_timer_init(ctx_.loop, &sweep_timer_);
    sweep_timer_.data = this;
    for (uint32_t i = 0; i < ctx_.cfg.max_concurrency; i++) {
        auto s = std::make_unique<ExecutorSlot>();
        s->owner = this;
        s->ctx = &ctx_;
        s->index = static_cast<int>(i);
        uv_timer_init(ctx_.loop, &s->timer);
        s->timer.data = s.get();
        slots_.push_back(std::move(s));
    }
}

// Handles are closed by the caller's loop teardown (uv_walk); slots must
// outlive the loop run, so nothing is freed while handles may be live.
Scheduler::~Scheduler() = default;

void Scheduler::start() {
    refresh_gate_ =
        std::make_unique<TokenRefreshGate>(ctx_.private_home.dir + "/auth.json", &ctx_.metrics.token_refreshes);
    for (auto &s : slots_) executor_slot_spawn(*s);
}

Scheduler::Submit Scheduler::submit(JobSink *sink, ipc::JobMsg msg, uint64_t deadline_ms, Job **out) {
    if (ctx_.draining) return Submit::ShuttingDown;
    bool have_idle =
        std::any_of(slots_.begin(), slots_.end(), [](auto &s) { return s->state == ExecutorSlot::State::Idle; });
    if (!have_idle && queue_.size() >= ctx_.cfg.max_queue) return Submit::QueueFull;
    Job *job = new Job;
    job->id = next_job_id_++;
    job->msg = std::move(msg);
    job->sink = sink;
    job->enqueued_ms = uv_now(ctx_.loop);
    job->deadline_ms = deadline_ms;
    queue_.push_back(job);
    *out = job;
    pump();
    if (!queue_.empty() && !uv_is_active(reinterpret_cast<uv_handle_t *>(&sweep_timer_)))
        uv_timer_start(
            &sweep_timer_, [](uv_timer_t *t) { static_cast<Scheduler *>(t->data)->sweep_queue(); }, kSweepMs, kSweepMs);
    return Submit::Accepted;
}

void Scheduler::pump() {
    for (auto &s : slots_) {
        if (queue_.empty()) break;
        if (s->state != ExecutorSlot::State::Idle) continue;
        // While the login is due for a refresh, one job at a time: see
        // token_refresh_gate.h. The next pump (a job ending) looks again.
        bool any_busy = std::any_of(slots_.begin(), slots_.end(), [](auto &x) { return x->job != nullptr; });
        if (any_busy && refresh_gate_ && refresh_gate_->refresh_due(time(nullptr))) {
            ctx_.metrics.refresh_gate_waits++;
            break;
        }
        Job *job = queue_.front();
        queue_.pop_front();
        dispatch(*s, job);
    }
    if (queue_.empty()) uv_timer_stop(&sweep_timer_);
}

// The timeout bounds a job's whole life, queue included, so a request never
// waits longer than CODEX_PROXY_TIMEOUT_MS for its answer.
void Scheduler::dispatch(ExecutorSlot &s, Job *job) {
    // A new login the operator placed in CODEX_HOME reaches this very job.
    for (const auto &name : private_home_sync(ctx_.private_home))
        LogLine("supervisor", "info", "re-seeded the private Codex home").kv("file", name).emit();
    uint64_t now = uv_now(ctx_.loop);
    uint64_t left = std::clamp<uint64_t>(ms_left(job->deadline_ms, now), 1, UINT32_MAX);
    job->msg.timeout_ms = static_cast<uint32_t>(left);
    job->started_ms = now;
    job->slot = &s;
    s.job = job;
    s.state = ExecutorSlot::State::Busy;
    s.job_phase = ExecutorPhase::JobSent;
    if (!executor_slot_send(s, ipc::MsgType::Job, job->id, ipc::encode(job->msg))) {
        executor_slot_kill(s);  // slot_lost will fail the job
        return;
    }
    executor_slot_arm_backstop(s, left + kBackstopSlackMs);
}

// Deadlines are not in queue order (a retry has its request's), so every
// queued job is looked at, not only the oldest.
void Scheduler::sweep_queue() {
    uint64_t now = uv_now(ctx_.loop);
    std::vector<Job *> expired;
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (ms_left((*it)->deadline_ms, now) > 0) {
            ++it;
            continue;
        }
        expired.push_back(*it);
        it = queue_.erase(it);
    }
    for (Job *job : expired) {
        JobResult r;
        r.kind = JobResult::Kind::QueueTimeout;
        finish(job, r);
    }
    if (queue_.empty()) uv_timer_stop(&sweep_timer_);
}

void Scheduler::finish(Job *job, const JobResult &r0) {
    JobResult r = r0;
    r.queue_ms = static_cast<int64_t>((job->started_ms ? job->started_ms : uv_now(ctx_.loop)) - job->enqueued_ms);
    ctx_.metrics.job_finished(job_outcome(r), r.queue_ms,
                              r.kind == JobResult::Kind::Finished ? static_cast<int64_t>(r.done.backend_ms) : -1);
    JobSink *sink = job->sink;
    job->sink = nullptr;
    if (job->slot) job->slot->job = nullptr;
    delete job;
    if (sink) sink->job_done(r);
    ctx_.jobs_changed();
}

void Scheduler::cancel(Job *job) {
    job->sink = nullptr;
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) {
        queue_.erase(it);
        ctx_.metrics.job_dropped_from_queue();
        delete job;
        ctx_.jobs_changed();
        return;
    }
    if (job->slot) executor_slot_send(*job->slot, ipc::MsgType::Cancel, job->id, std::string());
}

void Scheduler::fail_all() {
    JobResult r;
    r.kind = JobResult::Kind::ShuttingDown;
    while (!queue_.empty()) {
        Job *job = queue_.front();
        queue_.pop_front();
        finish(job, r);
    }
    for (auto &s : slots_) {
        if (!s->job) continue;
        Job *job = s->job;
        if (JobSink *sink = job->sink) {
            job->sink = nullptr;
            sink->job_done(r);
        }
        executor_slot_send(*s, ipc::MsgType::Cancel, job->id, std::string());
    }
}

const char *Scheduler::slot_frame(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload) {
    if (s.state == ExecutorSlot::State::Busy && (h.type == ipc::MsgType::Ready || h.type == ipc::MsgType::Restarting))
        return job_crossed_restart(s, h, payload);
    if (h.type == ipc::MsgType::Ready) {
        ipc::ReadyMsg m;
        if (s.state != ExecutorSlot::State::Starting) return "ready when not starting";
        if (!ipc::decode(payload, m)) return "bad ready payload";
        uv_timer_stop(&s.timer);
        s.state = ExecutorSlot::State::Idle;
        LogLine("supervisor", "info", "executor ready")
            .kv("executor", s.index)
            .kv("pid", m.pid)
            .kv("backend", m.backend)
            .emit();
        if (ctx_.executors_stopping) executor_slot_stop(s);
        pump();
        ctx_.jobs_changed();
        return nullptr;
    }
    if (h.type == ipc::MsgType::Restarting) {
        if (s.state != ExecutorSlot::State::Idle || s.job) return "restarting when not idle";
        if (!ipc::decode_empty(payload)) return "bad restarting payload";
        // Starting again: pump() passes it by until its Ready, bounded like a start.
        s.state = ExecutorSlot::State::Starting;
        executor_slot_arm_backstop(s, kExecutorReadyBackstopMs);
        LogLine("supervisor", "info", "executor restarting its backend").kv("executor", s.index).emit();
        ctx_.jobs_changed();
        return nullptr;
    }
    if (s.state != ExecutorSlot::State::Busy || !s.job) return "job event with no job running";
    if (h.job_id != s.job->id) return "event for another job";
    return job_frame(s, h, payload);
}

// The table let these through only as a job crossing the executor's
// Restarting (executor_protocol.cpp): the job waits for the restart, on its
// own deadline's backstop, and runs after the Ready.
const char *Scheduler::job_crossed_restart(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload) {
    if (h.type == ipc::MsgType::Restarting) {
        if (!ipc::decode_empty(payload)) return "bad restarting payload";
        LogLine("supervisor", "info", "executor restarting its backend before the job it was sent")
            .kv("executor", s.index)
            .kv("job", s.job->id)
            .emit();
        return nullptr;
    }
    ipc::ReadyMsg m;
    if (!ipc::decode(payload, m)) return "bad ready payload";
    LogLine("supervisor", "info", "executor ready; its job runs now").kv("executor", s.index).kv("pid", m.pid).emit();
    return nullptr;
}

const char *Scheduler::job_frame(ExecutorSlot &s, const ipc::FrameHeader &h, const std::string &payload) {
    Job *job = s.job;
    switch (h.type) {
    case ipc::MsgType::TextDelta:
    case ipc::MsgType::MessageEnd: {
        ipc::TextMsg m;
        if (!ipc::decode(payload, m)) return "bad text payload";
        if (job->sink) {
            if (h.type == ipc::MsgType::TextDelta) job->sink->job_text_delta(m.text);
            else job->sink->job_message_end(m.text);
        }
        return nullptr;
    }
    case ipc::MsgType::Usage: {
        ipc::UsageMsg m;
        if (!ipc::decode(payload, m)) return "bad usage payload";
        if (job->sink) job->sink->job_usage(m);
        return nullptr;
    }
    case ipc::MsgType::UsageWindows: {
        ipc::UsageWindowsMsg m;
        if (!ipc::decode(payload, m)) return "bad usage windows payload";
        ctx_.metrics.usage_windows.update(m, static_cast<uint64_t>(time(nullptr)));
        return nullptr;
    }
    case ipc::MsgType::Done: {
        JobResult r;
        if (!ipc::decode(payload, r.done)) return "bad done payload";
        uv_timer_stop(&s.timer);
        s.state = ExecutorSlot::State::Idle;
        if (r.done.outcome != ipc::Outcome::Ok && r.done.outcome != ipc::Outcome::Cancelled)
            LogLine("supervisor", "warn", "job failed")
                .kv("job", job->id)
                .kv("outcome", ipc::outcome_name(r.done.outcome))
                .kv("exit", r.done.exit_status)
                .kv("detail", r.done.detail.substr(0, 600))
                .emit();
        finish(job, r);
        if (ctx_.executors_stopping) executor_slot_stop(s);
        pump();
        return nullptr;
    }
    default: return "message type the executor never sends";
    }
}

void Scheduler::slot_lost(ExecutorSlot &s) {
    Job *job = s.job;
    s.state = ExecutorSlot::State::Restarting;
    if (job) {
        JobResult r;
        r.kind = JobResult::Kind::ExecutorLost;
        finish(job, r);
    }
    ctx_.jobs_changed();
}

void Scheduler::slot_stopped(ExecutorSlot &) { ctx_.jobs_changed(); }

bool Scheduler::idle() const {
    return queue_.empty() && std::none_of(slots_.begin(), slots_.end(), [](auto &s) { return s->job != nullptr; });
}

void Scheduler::stop_executors() {
    for (auto &s : slots_) {
        uv_timer_stop(&s->timer);
        if (s->state == ExecutorSlot::State::Restarting && s->handles_open == 0) {
            s->state = ExecutorSlot::State::Stopped;
        } else if (!s->job) {
            executor_slot_stop(*s);
        }
    }
    ctx_.jobs_changed();
}

bool Scheduler::all_stopped() const {
    return std::all_of(slots_.begin(), slots_.end(), [](auto &s) { return s->state == ExecutorSlot::State::Stopped; });
}

void Scheduler::kill_all() {
    for (auto &s : slots_) executor_slot_kill(*s);
}

void Scheduler::restart_executors() {
    for (auto &s : slots_) {
        // One waiting to respawn starts afresh anyway.
        if (s->state == ExecutorSlot::State::Restarting || s->state == ExecutorSlot::State::Stopped) continue;
        if (std::find(restart_marked_.begin(), restart_marked_.end(), s.get()) == restart_marked_.end())
            restart_marked_.push_back(s.get());
    }
    restart_idle_marked();
}

void Scheduler::restart_idle_marked() {
    if (ctx_.draining) return;
    for (auto it = restart_marked_.begin(); it != restart_marked_.end();) {
        ExecutorSlot &s = **it;
        if (s.state == ExecutorSlot::State::Idle && !s.job) {
            // Not Idle any more, so no job is sent to it while it exits;
            // it respawns as an executor that died would.
            s.state = ExecutorSlot::State::Restarting;
            uv_timer_stop(&s.timer);
            executor_slot_stop(s);
        } else if (s.state == ExecutorSlot::State::Starting || s.state == ExecutorSlot::State::Busy) {
            ++it;
            continue;
        }
        it = restart_marked_.erase(it);
    }
}

Scheduler::Counts Scheduler::counts() const {
    Counts c;
    for (auto &s : slots_) {
        switch (s->state) {
        case ExecutorSlot::State::Idle: c.idle++; break;
        case ExecutorSlot::State::Busy: c.busy++; break;
        case ExecutorSlot::State::Starting: c.starting++; break;
        default: c.restarting++; break;
        }
    }
    c.queued = queue_.size();
    return c;
}

void Scheduler::close_handles() {
    uv_close(reinterpret_cast<uv_handle_t *>(&sweep_timer_), nullptr);
    for (auto &s : slots_)
        if (!uv_is_closing(reinterpret_cast<uv_handle_t *>(&s->timer)))
            uv_close(reinterpret_cast<uv_handle_t *>(&s->timer), nullptr);
}

std::vector<pid_t> Scheduler::executor_pids() const {
    std::vector<pid_t> pids;
    for (auto &s : slots_)
        if (s->running) pids.push_back(s->pid);
    return pids;
}
