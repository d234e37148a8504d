#include "executor/job_loop.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "common/ipc_messages.h"
#include "common/log.h"
#include "executor/job_dir.h"

namespace {

// A text longer than this goes out in several frames (kMaxPayload bounds one).
constexpr size_t kTextPiece = 1u << 20;

class IpcJobChannel final : public JobChannel {
public:
    IpcJobChannel(ControlChannel &ctl, uint64_t job_id) : ctl_(ctl), job_id_(job_id) {}
    int control_fd() const override { return ctl_.fd(); }
    bool control_ready() override {
        if (!ctl_.read_available()) gone_ = true;
        return take_frames();
    }
    // Frames read with the job (a Cancel right behind it) wake no poll:
    // looked at before the backend runs. True: stop now.
    bool take_frames();
    void text_delta(std::string_view t) override;
    void message_end(std::string_view rest) override;
    void usage(const ipc::UsageMsg &u) override;
    void usage_windows(const ipc::UsageWindowsMsg &w) override;
    // Before Done: a message the backend left open ends here.
    void close_message() {
        if (in_message_) message_end({});
    }
    bool supervisor_gone() const { return gone_; }
    bool protocol_error() const { return protocol_error_; }

private:
    void send(ipc::MsgType t, const std::string &payload) {
        if (!gone_ && !ctl_.send(t, job_id_, payload)) gone_ = true;
    }
    void send_text(ipc::MsgType last, std::string_view t);
    bool out_of_order(const char *call) {
        if (!usage_sent_) return false;
        LogLine("executor", "error", "backend broke the text contract; dropped").kv("call", call).emit();
        return true;
    }
    ControlChannel &ctl_;
    uint64_t job_id_;
    bool gone_ = false, cancelled_ = false, protocol_error_ = false;
    bool in_message_ = false, usage_sent_ = false;
};

// Cut between UTF-8 characters, so that each piece is valid text on its own;
// all pieces but the last go as deltas.
void IpcJobChannel::send_text(ipc::MsgType last, std::string_view t) {
    while (t.size() > kTextPiece) {
        size_t cut = kTextPiece;
        while (cut > kTextPiece / 2 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) cut--;
        send(ipc::MsgType::TextDelta, ipc::encode(ipc::TextMsg{std::string(t.substr(0, cut))}));
        t.remove_prefix(cut);
    }
    send(last, ipc::encode(ipc::TextMsg{std::string(t)}));
}

void IpcJobChannel::text_delta(std::string_view t) {
    if (out_of_order("text_delta")) return;
    in_message_ = true;
    send_text(ipc::MsgType::TextDelta, t);
}

void IpcJobChannel::message_end(std::string_view rest) {
    if (out_of_order("message_end")) return;
    in_message_ = false;
    send_text(ipc::MsgType::MessageEnd, rest);
}

void IpcJobChannel::usage(const ipc::UsageMsg &u) {
    if (out_of_order("usage")) return;
    close_message();
    usage_sent_ = true;
    send(ipc::MsgType::Usage, ipc::encode(u));
}

// Sent as the backend gives them, cut to what the supervisor accepts.
void IpcJobChannel::usage_windows(const ipc::UsageWindowsMsg &w) {
    ipc::UsageWindowsMsg m;
    for (const auto &x : w.windows) {
        if (m.windows.size() == ipc::kMaxUsageWindows) break;
        if (!(x.used_percent >= 0 && x.used_percent <= 1000)) continue;
        ipc::UsageWindow y = x;
        for (std::string *s : {&y.limit_id, &y.limit_name, &y.window})
            if (s->size() > ipc::kMaxUsageWindowName) s->resize(ipc::kMaxUsageWindowName);
        m.windows.push_back(std::move(y));
    }
    send(ipc::MsgType::UsageWindows, ipc::encode(m));
}

bool IpcJobChannel::take_frames() {
    ipc::FrameHeader h;
    std::string payload;
    ipc::FrameStatus st;
    while ((st = ctl_.next(h, payload)) == ipc::FrameStatus::Complete) {
        // Only a Cancel may arrive mid-job; a Cancel for an older job is stale.
        if (h.type != ipc::MsgType::Cancel || !ipc::decode_empty(payload)) {
            LogLine("executor", "error", "supervisor sent a frame a running job does not take")
                .kv("frame", ipc::msg_type_name(h.type))
                .emit();
            protocol_error_ = gone_ = true;
        } else if (h.job_id == job_id_) {
            cancelled_ = true;
        }
    }
    if (st == ipc::FrameStatus::Corrupt) protocol_error_ = gone_ = true;
    return cancelled_ || gone_;
}

// Replaces the backend. false: it would not start again.
bool restart_backend(Backend &backend, const JobLoopOptions &opts, const BackendHealth &h) {
    LogLine("executor", h.state == BackendHealth::State::Failed ? "warn" : "info", "restarting the backend")
        .kv("backend", backend.name())
        .kv("reason", h.reason)
        .emit();
    uint32_t backoff = opts.first_backoff_ms;
    for (int attempt = 1;; attempt++) {
        backend.stop();
        std::string error;
        if (backend.start(error)) return true;
        LogLine("executor", "error", "backend did not start").kv("attempt", attempt).kv("error", error).emit();
        if (attempt >= opts.restart_attempts) return false;
        usleep(backoff * 1000);
        backoff = std::min(backoff * 2, opts.max_backoff_ms);
    }
}

bool send_ready(ControlChannel &ctl, Backend &backend) {
    ipc::ReadyMsg ready{static_cast<uint32_t>(getpid()), backend.name()};
    return ctl.send(ipc::MsgType::Ready, 0, ipc::encode(ready));
}

// Runs one job and reports its end. Returns false when the executor must exit.
bool run_job(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts, uint64_t job_id,
             const std::string &payload, int &exit_code) {
    ipc::JobMsg job;
    if (!ipc::decode(payload, job)) {
        LogLine("executor", "error", "bad job payload").kv("job", job_id).emit();
        exit_code = 2;
        return false;
    }
    IpcJobChannel ch(ctl, job_id);
    ipc::DoneMsg done;
    std::string dir, error;
    if (ch.take_frames()) {
        done.outcome = ipc::Outcome::Cancelled;
        done.detail = "cancelled before it started";
    } else if (!job_dir_create(opts.workdir, dir, error)) {
        done.outcome = ipc::Outcome::SpawnFailed;
        done.detail = error;
    } else {
        done = backend.run(job, dir, ch);
    }
    ch.close_message();
    bool go_on =
        !ch.protocol_error() && !ch.supervisor_gone() && ctl.send(ipc::MsgType::Done, job_id, ipc::encode(done));
    // A recycle this job made due (turn or RSS limit, a server that died or
    // misbehaved in it) delays nobody: the Done goes first, then Restarting,
    // so the supervisor sends its next jobs elsewhere until the Ready. A job
    // it sent in between crosses the Restarting and runs after the restart
    // (supervisor/jobs/executor_protocol.cpp).
    bool healthy = true;
    if (go_on) {
        BackendHealth h = backend.health();
        if (h.state != BackendHealth::State::Ok) {
            go_on = ctl.send(ipc::MsgType::Restarting, 0, std::string());
            healthy = restart_backend(backend, opts, h);
            if (go_on && healthy) go_on = send_ready(ctl, backend);
        }
    }
    if (go_on && healthy) backend.prepare_next();
    if (!dir.empty() && !job_dir_remove(dir))
        LogLine("executor", "error", "job directory not removed").kv("job", job_id).emit();
    exit_code = ch.protocol_error() ? 2 : healthy ? 0 : 1;
    return go_on && healthy;
}

// An idle backend that asks to be replaced: the supervisor hears Restarting
// first and sends its jobs elsewhere until the Ready that follows. A job
// already waiting on the channel goes first (the supervisor sent it while
// this executor was idle to it); its Done then waits for the recycle.
// Returns -1 to go on, else the exit code.
int recycle_while_idle(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts) {
    BackendHealth h = backend.health();
    if (h.state == BackendHealth::State::Ok) {
        backend.prepare_next();
        return -1;
    }
    struct pollfd p = {ctl.fd(), POLLIN, 0};
    if (poll(&p, 1, 0) != 0) return -1;
    if (!ctl.send(ipc::MsgType::Restarting, 0, std::string())) return 0;
    if (!restart_backend(backend, opts, h)) return 1;
    return send_ready(ctl, backend) ? -1 : 0;
}

// Waits for frames, or for the backend's next idle check. Returns -1 to go
// on, else the exit code.
int wait_for_frames(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts, bool &closed) {
    struct pollfd p = {ctl.fd(), POLLIN, 0};
    int r = poll(&p, 1, backend.idle_check_ms());
    if (r == 0) return recycle_while_idle(ctl, backend, opts);
    if (r > 0 && !ctl.read_available()) closed = true;
    return -1;
}

int serve(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts) {
    std::string error;
    if (!backend.start(error)) {
        LogLine("executor", "error", "backend did not start").kv("backend", backend.name()).kv("error", error).emit();
        return 1;
    }
    if (!send_ready(ctl, backend)) return 0;
    bool closed = false;
    for (;;) {
        ipc::FrameHeader h;
        std::string payload;
        ipc::FrameStatus st = ctl.next(h, payload);
        if (st == ipc::FrameStatus::Corrupt) {
            LogLine("executor", "error", "malformed frame from the supervisor").emit();
            return 2;
        }
        if (st == ipc::FrameStatus::NeedMore) {
            if (closed) return 0;
            int code = wait_for_frames(ctl, backend, opts, closed);
            if (code >= 0) return code;
            continue;
        }
        if (h.type == ipc::MsgType::Cancel && ipc::decode_empty(payload)) continue;  // the job already ended
        if (h.type != ipc::MsgType::Job) {
            LogLine("executor", "error", "unexpected frame from the supervisor")
                .kv("frame", ipc::msg_type_name(h.type))
                .emit();
            return 2;
        }
        int code = 0;
        if (!run_job(ctl, backend, opts, h.job_id, payload, code)) return code;
    }
}

}  // namespace

int job_loop_run(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts) {
    int code = serve(ctl, backend, opts);
    backend.stop();
    return code;
}
