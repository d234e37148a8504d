#include "executor/job_loop.h"

#include <poll.h>

#include <algorithm>
#include <unistd.h>

#include "common/ipc_messages.h"
#include "common/log.h"
#include "executor/job_dir.h"
#include "executor/process_tree.h"

namespace {

class IpcJobChannel final : public JobChannel {
public:
    IpcJobChannel(ControlChannel &ctl, uint64_t job_id) : ctl_(ctl), job_id_(job_id) {}
    int control_fd() const override { return ctl_.fd(); }
    bool control_ready() override;
    void text_delta(std::string_view t) override { send(ipc::MsgType::TextDelta, ipc::encode(ipc::TextMsg{std::string(t)})); }
    void message(std::string_view t) override;
    void usage(const ipc::UsageMsg &u) override { send(ipc::MsgType::Usage, ipc::encode(u)); }
    void usage_windows(const ipc::UsageWindowsMsg &w) override;
    bool supervisor_gone() const { return gone_; }
    bool protocol_error() const { return protocol_error_; }

private:
    void send(ipc::MsgType t, const std::string &payload) {
        if (!gone_ && !ctl_.send(t, job_id_, payload)) gone_ = true;
    }
    ControlChannel &ctl_;
    uint64_t job_id_;
    bool gone_ = false, cancelled_ = false, protocol_error_ = false;
};

// A message too large for one frame goes as deltas, cut between UTF-8
// characters so that each is valid text on its own, then an empty Message
// to close it (the supervisor keeps the deltas' text).
void IpcJobChannel::message(std::string_view t) {
    constexpr size_t kPiece = 1u << 20;
    if (t.size() > kPiece) {
        while (!t.empty()) {
            size_t cut = std::min(t.size(), kPiece);
            while (cut < t.size() && cut > kPiece / 2 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) cut--;
            text_delta(t.substr(0, cut));
            t.remove_prefix(cut);
        }
    }
    send(ipc::MsgType::Message, ipc::encode(ipc::TextMsg{std::string(t)}));
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

bool IpcJobChannel::control_ready() {
    if (!ctl_.read_available()) gone_ = true;
    ipc::FrameHeader h;
    std::string payload;
    ipc::FrameStatus st;
    while ((st = ctl_.next(h, payload)) == ipc::FrameStatus::Complete) {
        // Only a Cancel may arrive mid-job; a Cancel for an older job is stale.
        if (h.type != ipc::MsgType::Cancel || !ipc::decode_empty(payload)) {
            protocol_error_ = gone_ = true;
        } else if (h.job_id == job_id_) {
            cancelled_ = true;
        }
    }
    if (st == ipc::FrameStatus::Corrupt) protocol_error_ = gone_ = true;
    return cancelled_ || gone_;
}

// Runs one job and reports its end. Returns false when the executor must exit.
bool run_job(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts, uint64_t job_id,
             const std::string &payload, int &exit_code) {
    ipc::JobMsg job;
    if (!ipc::decode(payload, job)) {
        exit_code = 2;
        return false;
    }
    IpcJobChannel ch(ctl, job_id);
    ipc::DoneMsg done;
    std::string dir, error;
    if (!job_dir_create(opts.workdir, dir, error)) {
        done.outcome = ipc::Outcome::SpawnFailed;
        done.detail = error;
    } else {
        done = backend.run(job, dir, ch);
    }
    // Whatever the job left running (a daemonised helper, a stuck
    // grandchild) is signalled before the job is reported done, and reaped
    // with the job directory after, before the next job is read.
    process_tree_signal(opts.kill_grace_ms);
    bool go_on = !ch.protocol_error() && !ch.supervisor_gone() &&
                 ctl.send(ipc::MsgType::Done, job_id, ipc::encode(done));
    process_tree_terminate(opts.kill_grace_ms);
    if (!job_dir_remove(dir))
        LogLine("executor", "error", "job directory not removed").kv("job", job_id).emit();
    exit_code = ch.protocol_error() ? 2 : 0;
    return go_on;
}

}  // namespace

int job_loop_run(ControlChannel &ctl, Backend &backend, const JobLoopOptions &opts) {
    ipc::ReadyMsg ready{static_cast<uint32_t>(getpid()), backend.name()};
    if (!ctl.send(ipc::MsgType::Ready, 0, ipc::encode(ready))) return 0;
    for (;;) {
        struct pollfd p = {ctl.fd(), POLLIN, 0};
        if (poll(&p, 1, -1) < 0) continue;
        bool open = ctl.read_available();
        ipc::FrameHeader h;
        std::string payload;
        ipc::FrameStatus st;
        while ((st = ctl.next(h, payload)) == ipc::FrameStatus::Complete) {
            if (h.type == ipc::MsgType::Cancel) continue;  // the job already ended
            if (h.type != ipc::MsgType::Job) return 2;
            int code = 0;
            if (!run_job(ctl, backend, opts, h.job_id, payload, code)) return code;
        }
        if (st == ipc::FrameStatus::Corrupt) return 2;
        if (!open) return 0;
    }
}
