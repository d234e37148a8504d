// The long-lived backend: one `codex app-server` per executor, a fresh
// ephemeral thread per job, text streamed as codex emits it.
//
// The server runs with the executor's environment allow-list, rlimits and
// Landlock (inherited), the private Codex home, and the same "codex as a
// model" flags as `codex exec`. Between jobs it is recycled after a number
// of turns, above an RSS limit, after a long idle time, or when it died;
// before a turn it is restarted when the login it loaded has changed on disk.
#include <sys/stat.h>
#include <time.h>

#include <memory>

#include "common/executor_setup.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "executor/app_server_protocol.h"
#include "executor/app_server_session.h"
#include "executor/backend.h"
#include "executor/codex_flags.h"
#include "executor/job_files.h"
#include "executor/login_refresh_due.h"

namespace {

constexpr uint64_t kStartTimeoutMs = 10000;     // spawn + initialize (about 0.1-0.6 s on a busy machine)
constexpr uint64_t kSpareTimeoutMs = 5000;      // pre-starting a thread while idle
constexpr uint64_t kInterruptGraceMinMs = 500;  // turn/interrupt before the server is killed
constexpr int kIdleCheckMs = 1000;
constexpr uint64_t kRateLimitsReadEveryMs = 60000;  // the operator's view of the usage windows

// What identifies the login file's content: a refresh rewrites it.
struct FileStamp {
    bool exists = false;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtime = {0, 0};
    bool operator==(const FileStamp &o) const {
        return exists == o.exists && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec;
    }
};

FileStamp stamp_of(const std::string &path) {
    FileStamp s;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return s;
    s.exists = true, s.ino = st.st_ino, s.size = st.st_size, s.mtime = st.st_mtim;
    return s;
}

// result.thread.id of a thread/start reply (null when absent).
const cJSON *thread_id_of(const RpcMessage &reply) {
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reply.body, "thread"), "id");
}

// One job's turn: what codex said, and how it ended.
struct Turn {
    JobChannel &ch;
    std::string thread_id, turn_id;
    std::string open_item;  // the agent message being streamed
    std::string streamed;   // its text so far
    bool completed = false, got_usage = false;
    std::string status;
    AppServerError error;  // from turn/completed or a final `error`
    ipc::UsageMsg usage;
    uint64_t resets_at = 0;  // a full usage window's reset, when codex said
    explicit Turn(JobChannel &c) : ch(c) {}
    void on_event(const AppEvent &e);
    // A failure codex would only retry into the same answer: end the turn now.
    bool fail_now() const;
};

void Turn::on_event(const AppEvent &e) {
    if (e.kind != AppEventKind::RateLimits && e.thread_id != thread_id) return;
    switch (e.kind) {
    case AppEventKind::TurnStarted:
        if (turn_id.empty()) turn_id = e.turn_id;
        break;
    case AppEventKind::AgentDelta:
        if (e.item_id != open_item) open_item = e.item_id, streamed.clear();
        if (e.text.empty()) break;
        streamed += e.text;
        ch.text_delta(e.text);
        break;
    case AppEventKind::AgentMessageDone:
        if (e.item_id == open_item && !streamed.empty()) {
            // The message is its deltas and then the rest; codex's final
            // text normally equals the deltas, so the rest is empty.
            if (e.text.compare(0, streamed.size(), streamed) == 0) {
                ch.message_end(std::string_view(e.text).substr(streamed.size()));
            } else {
                LogLine("executor", "warn", "app-server message differs from its deltas").kv("item", e.item_id).emit();
                ch.message_end("");
            }
        } else {
            ch.message_end(e.text);
        }
        open_item.clear(), streamed.clear();
        break;
    case AppEventKind::ItemDone:
        if (e.item_type != "userMessage" && e.item_type != "reasoning")
            LogLine("executor", "warn", "codex used a tool").kv("item", e.item_type).emit();
        break;
    case AppEventKind::RateLimits:
        resets_at = e.rate_limit_resets_at;
        if (!e.windows.windows.empty()) ch.usage_windows(e.windows);
        break;
    case AppEventKind::TokenUsage: usage = e.usage, got_usage = true; break;
    case AppEventKind::TurnCompleted:
        if (!turn_id.empty() && e.turn_id != turn_id) break;
        completed = true;
        status = e.status;
        if (e.error.kind != AppServerErrorKind::None) error = e.error;
        break;
    case AppEventKind::Error:
        if (!e.will_retry || error.kind == AppServerErrorKind::None) error = e.error;
        if (e.will_retry)
            LogLine("executor", "warn", "codex app-server error, retrying")
                .kv("detail", e.error.message.substr(0, 300))
                .emit();
        break;
    default: break;
    }
}

bool Turn::fail_now() const {
    switch (error.kind) {
    case AppServerErrorKind::UsageLimit:
    case AppServerErrorKind::ContextWindow:
    case AppServerErrorKind::Unauthorized: return true;
    case AppServerErrorKind::ProviderHttp: return error.http_status >= 400 && error.http_status < 500;
    default: return false;
    }
}

class CodexAppServerBackend final : public Backend {
public:
    explicit CodexAppServerBackend(const ExecutorSetup &s) : setup_(s) {}
    ~CodexAppServerBackend() override { stop(); }
    const char *name() const override { return "codex-app-server"; }
    bool start(std::string &error) override;
    ipc::DoneMsg run(const ipc::JobMsg &job, const std::string &job_dir, JobChannel &ch) override;
    BackendHealth health() override;
    int idle_check_ms() const override { return kIdleCheckMs; }
    void prepare_next() override {
        if (recycle_reason_.empty()) start_spare();
    }
    void stop() override;

private:
    std::vector<std::string> argv() const;
    std::string auth_path() const { return setup_.codex_home + "/auth.json"; }
    bool launch(std::string &error);
    bool restart(std::string &error);
    bool take_thread(const std::string &model, const std::string &cwd, uint64_t deadline, JobChannel &ch,
                     std::string &thread_id, ipc::DoneMsg &done);
    void start_spare();
    ipc::DoneMsg turn(const ipc::JobMsg &job, const std::string &dir, const JobFiles &files, uint64_t deadline,
                      JobChannel &ch, const std::string &thread_id);
    bool interrupt(Turn &t);
    void on_idle_note(RpcMessage &m);
    void read_rate_limits(JobChannel &ch);
    void on_rate_limits(RpcMessage &reply);

    ExecutorSetup setup_;
    AppServerSession server_;
    FileStamp auth_at_start_;
    uint32_t turns_ = 0;
    uint64_t idle_since_ = 0;
    std::string spare_thread_, spare_model_;
    std::string recycle_reason_;  // set when the server must be replaced before the next job
    std::string start_error_;     // the last start failed: the next job tries again
    bool deferred_ = false;       // not started while the login was due: the next job starts it
    uint64_t rate_limit_resets_at_ = 0;
    uint64_t rate_limits_read_at_ = 0;         // by this server; 0: never
    bool rate_limits_reading_ = false;         // a read is in flight
    bool rate_limits_read_failed_ = false;     // logged once
    ipc::UsageWindowsMsg rate_limit_windows_;  // read, not yet handed to a job
    JobChannel *rate_limits_job_ = nullptr;    // the job that may take them now
};

std::vector<std::string> CodexAppServerBackend::argv() const {
    std::vector<std::string> a = {setup_.codex_bin, "app-server"};
    for (auto &f : codex_model_flags(setup_.model_catalog)) a.push_back(f);
    return a;
}

// A server that cannot start does not keep the executor from serving: each
// job tries again and, failing, answers at once (spawn_failed: 503), as a
// `codex exec` that cannot run does, instead of every request waiting out
// its time for an executor that never comes up.
bool CodexAppServerBackend::start(std::string &error) {
    // Started outside a job, a server would refresh a due login alongside
    // every other executor's: the next job (which the supervisor runs alone
    // while the login is due) starts it instead.
    if (login_refresh_due(auth_path(), time(nullptr))) {
        LogLine("executor", "info", "codex app-server starts with the next job: the login is due for refresh").emit();
        deferred_ = true;
        return true;
    }
    if (launch(error)) return true;
    LogLine("executor", "error", "codex app-server did not start; each job tries again").kv("error", error).emit();
    start_error_ = error;
    error.clear();
    return true;
}

bool CodexAppServerBackend::launch(std::string &error) {
    start_error_.clear();
    deferred_ = false;
    uint64_t t0 = monotonic_ms();
    auth_at_start_ = stamp_of(auth_path());
    // SQLite's temporary files (codex's state DB migrations) go where
    // Landlock lets it write, not /tmp.
    std::vector<std::string> env;
    if (!setup_.sqlite_home.empty()) env.push_back("SQLITE_TMPDIR=" + setup_.sqlite_home);
    if (!server_.start(argv(), env, setup_.workdir, setup_.rlimit_cpu_seconds, t0 + kStartTimeoutMs, error))
        return false;
    turns_ = 0;
    rate_limits_read_at_ = 0;
    rate_limits_reading_ = false;
    recycle_reason_.clear();
    spare_thread_.clear();
    idle_since_ = monotonic_ms();
    LogLine("executor", "info", "codex app-server ready")
        .kv("pid", server_.process().pid())
        .kv("ms", idle_since_ - t0)
        .emit();
    start_spare();
    return true;
}

void CodexAppServerBackend::stop() {
    spare_thread_.clear();
    deferred_ = false;
    server_.stop(setup_.kill_grace_ms);
}

bool CodexAppServerBackend::restart(std::string &error) {
    stop();
    if (launch(error)) return true;
    start_error_ = error;
    return false;
}

void CodexAppServerBackend::on_idle_note(RpcMessage &m) {
    AppEvent e = app_server_event_parse(m);
    if (e.kind == AppEventKind::RateLimits) rate_limit_resets_at_ = e.rate_limit_resets_at;
}

// The account's usage windows, read when the last read is a minute old:
// the notifications only come during turns, so a fresh server would show
// none until one ran. codex asks the account's backend for them, so the job
// does not wait: the reply is taken whenever it comes (during this job, or
// later while idle) and the windows go to this job if it still runs, else
// to the next (usage windows may only be sent during a job). A read that
// fails (an API-key login has no windows, an older codex lacks the method)
// costs the job nothing.
void CodexAppServerBackend::read_rate_limits(JobChannel &ch) {
    if (!rate_limit_windows_.windows.empty()) ch.usage_windows(rate_limit_windows_);
    rate_limit_windows_.windows.clear();
    rate_limits_job_ = &ch;
    uint64_t now = monotonic_ms();
    if (rate_limits_reading_ || (rate_limits_read_at_ && now - rate_limits_read_at_ < kRateLimitsReadEveryMs)) return;
    int64_t id = server_.send("account/rateLimits/read", nullptr);
    if (id < 0) return;
    rate_limits_read_at_ = now;
    rate_limits_reading_ = true;
    server_.watch(id, [this](RpcMessage &reply) { on_rate_limits(reply); });
}

void CodexAppServerBackend::on_rate_limits(RpcMessage &reply) {
    rate_limits_reading_ = false;
    if (reply.kind == RpcMessage::Kind::Response) {
        AppEvent e = app_server_rate_limits_parse(reply.body);
        if (e.rate_limit_resets_at) rate_limit_resets_at_ = e.rate_limit_resets_at;
        if (e.windows.windows.empty()) return;
        if (rate_limits_job_) rate_limits_job_->usage_windows(e.windows);
        else rate_limit_windows_ = std::move(e.windows);
    } else if (!rate_limits_read_failed_) {
        rate_limits_read_failed_ = true;
        LogLine("executor", "info", "codex app-server did not read the usage windows; turns still report them")
            .kv("detail", reply.error_message.substr(0, 300))
            .emit();
    }
}

// The next request's thread, started while nobody waits: a request then
// costs one turn. Started with the last job's model, the likeliest next.
void CodexAppServerBackend::start_spare() {
    if (!spare_thread_.empty() || !server_.alive()) return;
    RpcMessage reply;
    CallResult r =
        server_.call("thread/start", app_server_thread_start_params(setup_.workdir, spare_model_),
                     monotonic_ms() + kSpareTimeoutMs, -1, reply, [this](RpcMessage &m) { on_idle_note(m); });
    const cJSON *id = thread_id_of(reply);
    if (r == CallResult::Ok && cJSON_IsString(id)) spare_thread_ = id->valuestring;
    else recycle_reason_ = "could not pre-start a thread";
}

BackendHealth CodexAppServerBackend::health() {
    BackendHealth h;
    uint64_t now = monotonic_ms();
    if (!start_error_.empty()) return h;  // not running: the next job starts it
    if (deferred_) {
        // Someone refreshed meanwhile: start now, so no request waits for it.
        std::string error;
        if (!login_refresh_due(auth_path(), time(nullptr)) && !launch(error)) start_error_ = error;
        return h;
    }
    uint64_t rss_limit_kb = uint64_t{setup_.app_server_max_rss_mb} * 1024;
    if (!server_.tend([this](RpcMessage &m) { on_idle_note(m); }))
        recycle_reason_ = "codex app-server died: " + server_.failure();
    else if (server_.non_json_lines()) recycle_reason_ = "codex app-server printed lines that are not JSON-RPC";
    else if (server_.flooding()) recycle_reason_ = "codex app-server floods notifications while idle";
    else if (setup_.app_server_max_turns && turns_ >= setup_.app_server_max_turns) recycle_reason_ = "turn limit";
    else if (setup_.app_server_max_idle_ms && now - idle_since_ > setup_.app_server_max_idle_ms)
        recycle_reason_ = "idle limit";
    else if (setup_.app_server_max_rss_mb && server_.process().tree_rss_kb() > rss_limit_kb)
        recycle_reason_ = "RSS limit";
    if (!recycle_reason_.empty()) {
        h.state = BackendHealth::State::Recycle;
        h.reason = recycle_reason_;
    }
    return h;
}

bool CodexAppServerBackend::take_thread(const std::string &model, const std::string &cwd, uint64_t deadline,
                                        JobChannel &ch, std::string &thread_id, ipc::DoneMsg &done) {
    if (!spare_thread_.empty() && spare_model_ == model) {
        thread_id = std::move(spare_thread_);
        spare_thread_.clear();
        return true;
    }
    if (!spare_thread_.empty()) server_.send("thread/unsubscribe", app_server_thread_unsubscribe_params(spare_thread_));
    spare_thread_.clear();
    spare_model_ = model;
    RpcMessage reply;
    for (;;) {
        CallResult r = server_.call("thread/start", app_server_thread_start_params(cwd, model), deadline,
                                    ch.control_fd(), reply, [](RpcMessage &) {});
        if (r == CallResult::Control && !ch.control_ready()) continue;
        const cJSON *id = thread_id_of(reply);
        if (r == CallResult::Ok && cJSON_IsString(id)) {
            thread_id = id->valuestring;
            return true;
        }
        done.outcome = r == CallResult::Control   ? ipc::Outcome::Cancelled
                       : r == CallResult::Timeout ? ipc::Outcome::Timeout
                       : r == CallResult::Error   ? ipc::Outcome::ModelFailed
                                                  : ipc::Outcome::BackendFailed;
        done.detail = r == CallResult::Error ? "thread/start refused: " + reply.error_message : server_.failure();
        if (r == CallResult::Closed) recycle_reason_ = "codex app-server died";
        return false;
    }
}

// turn/interrupt, then a grace for codex to end the turn; false: it did not.
bool CodexAppServerBackend::interrupt(Turn &t) {
    if (t.completed) return true;
    uint64_t deadline = monotonic_ms() + std::max<uint64_t>(setup_.kill_grace_ms, kInterruptGraceMinMs);
    if (!t.turn_id.empty()) server_.send("turn/interrupt", app_server_turn_interrupt_params(t.thread_id, t.turn_id));
    RpcMessage m;
    while (!t.completed && server_.next(m, deadline, -1) == Pump::Message) {
        AppEvent e = app_server_event_parse(m);
        // Text after the interrupt is not sent: the job is over.
        if (e.kind == AppEventKind::TurnCompleted && e.thread_id == t.thread_id) t.completed = true;
    }
    return t.completed;
}

ipc::DoneMsg CodexAppServerBackend::turn(const ipc::JobMsg &job, const std::string &dir, const JobFiles &files,
                                         uint64_t deadline, JobChannel &ch, const std::string &thread_id) {
    ipc::DoneMsg done;
    TurnInput in;
    in.thread_id = thread_id, in.cwd = dir, in.model = job.model, in.effort = job.reasoning_effort;
    in.prompt = job.prompt, in.output_schema = job.output_schema, in.images = files.images;
    std::string error;
    cJSON *params = app_server_turn_start_params(in, error);
    if (!params) {
        done.outcome = ipc::Outcome::BackendFailed;
        done.detail = error;
        return done;
    }
    Turn t(ch);
    t.thread_id = thread_id;
    auto on_note = [&t](RpcMessage &m) { t.on_event(app_server_event_parse(m)); };
    RpcMessage reply;
    // Not cut short by a cancel: turn/start answers at once, and a turn
    // can only be interrupted by its id.
    CallResult r = server_.call("turn/start", params, deadline, -1, reply, on_note);
    if (r == CallResult::Ok) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reply.body, "turn"), "id");
        if (cJSON_IsString(id)) t.turn_id = id->valuestring;
    }
    bool stopped = r == CallResult::Control, timed_out = r == CallResult::Timeout, closed = r == CallResult::Closed;
    if (r == CallResult::Error) {
        done.outcome = ipc::Outcome::ModelFailed;
        done.detail = "turn/start refused: " + reply.error_message;
        return done;
    }
    RpcMessage m;
    while (r == CallResult::Ok && !t.completed && !t.fail_now()) {
        Pump p = server_.next(m, deadline, ch.control_fd());
        if (p == Pump::Message) on_note(m);
        else if (p == Pump::Control) stopped = ch.control_ready();
        else if (p == Pump::Timeout) timed_out = true;
        else closed = true;
        if (stopped || timed_out || closed) break;
        if (server_.non_json_lines()) {
            closed = true;
            recycle_reason_ = "codex app-server printed lines that are not JSON-RPC";
            break;
        }
    }
    if (!t.completed && !closed && !interrupt(t)) recycle_reason_ = "codex app-server ignored turn/interrupt";
    if (closed && recycle_reason_.empty()) recycle_reason_ = "codex app-server died";
    if (stopped || timed_out) {
        done.outcome = stopped ? ipc::Outcome::Cancelled : ipc::Outcome::Timeout;
        done.exit_status = -1;
    } else if (t.error.kind != AppServerErrorKind::None && (t.fail_now() || t.status == "failed")) {
        uint64_t now_unix = static_cast<uint64_t>(time(nullptr));
        if (t.resets_at) rate_limit_resets_at_ = t.resets_at;
        app_server_error_to_done(t.error, rate_limit_resets_at_, now_unix, done);
    } else if (closed) {
        done.outcome = ipc::Outcome::BackendFailed;
        done.detail = "codex app-server failed mid-turn: " + server_.failure();
    } else if (t.status != "completed") {
        done.outcome = t.status == "failed" ? ipc::Outcome::ModelFailed : ipc::Outcome::BackendFailed;
        done.detail = "turn ended with status " + t.status;
    } else {
        if (!t.open_item.empty()) ch.message_end("");  // deltas without an item/completed
        if (t.got_usage) ch.usage(t.usage);
    }
    return done;
}

ipc::DoneMsg CodexAppServerBackend::run(const ipc::JobMsg &job, const std::string &dir, JobChannel &ch) {
    uint64_t start = monotonic_ms();
    uint64_t deadline = start + job.timeout_ms;
    ipc::DoneMsg done;
    std::string error;
    JobFiles files;
    // A login refreshed on disk since this server loaded its own: restart,
    // or it would present a refresh token that was already used.
    bool login_changed = !(stamp_of(auth_path()) == auth_at_start_);
    if (login_changed || !recycle_reason_.empty() || !server_.alive()) {
        LogLine("executor", "info", "restarting codex app-server before the job")
            .kv("reason", login_changed             ? "login changed"
                          : recycle_reason_.empty() ? "not running"
                                                    : recycle_reason_)
            .emit();
        if (!restart(error)) {
            done.outcome = ipc::Outcome::SpawnFailed;
            done.detail = error;
            return done;
        }
    }
    std::string thread_id;
    if (!job_files_write(job, dir, files, error)) {
        done.outcome = ipc::Outcome::SpawnFailed;
        done.detail = error;
    } else if (take_thread(job.model, dir, deadline, ch, thread_id, done)) {
        read_rate_limits(ch);
        done = turn(job, dir, files, deadline, ch, thread_id);
        rate_limits_job_ = nullptr;
        server_.send("thread/unsubscribe", app_server_thread_unsubscribe_params(thread_id));
        turns_++;
    }
    // A server that must go is replaced when the job loop asks health(),
    // before this job's Done (the job caused it).
    idle_since_ = monotonic_ms();
    done.backend_ms = static_cast<uint32_t>(idle_since_ - start);
    return done;
}

}  // namespace

std::unique_ptr<Backend> make_codex_app_server_backend(const ExecutorSetup &setup, std::string &error) {
    (void)error;
    return std::make_unique<CodexAppServerBackend>(setup);
}
