// codex-proxy-fake-executor: a stand-in for codex-proxy-executor that the
// tests start through CODEX_PROXY_EXECUTOR, to make the supervisor face an
// executor that misbehaves on purpose (as libuv's tests spawn a helper).
//
// It speaks the real framing on fd 3 (common/ipc_frame.h,
// common/ipc_messages.h), takes the setup frame first and ignores what it
// says. What it does:
// - FAKE_EXECUTOR_MODE=exit in its environment (pass it with
//   CODEX_PROXY_PASS_ENV=FAKE_EXECUTOR_MODE): exits with status 1 at once,
//   so no executor is ever up.
// - Otherwise it says Ready and runs each job by the first marker
//   "FAKE_EXECUTOR:<behaviour>" found in the job's prompt:
//     wrong-job-id      a Done for a job id other than the job's
//     ready-while-busy  a Ready while the job runs
//     bad-payload       a MessageEnd whose payload does not decode
//     text-after-usage  a usage, then a text delta (out of the text contract)
//     done-mid-message  a text delta, then Done without the message's end
//     malformed-frame   a header of another protocol version
//     unknown-type      a frame of a type the executor never sends (Job)
//     hang              nothing until the job is cancelled
//     exit              exits with status 3 mid-job
//     usage-windows     the account's usage windows (a limit "codex", its
//                       primary and secondary window), then the answer
//   and with no marker answers "fake answer" with a usage and Done Ok.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/executor_setup.h"
#include "common/ipc_frame.h"
#include "common/ipc_messages.h"

namespace {

constexpr int kFd = kExecutorChannelFd;

bool write_all(const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(kFd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

bool send(ipc::MsgType type, uint64_t job_id, const std::string &payload) {
    std::string f;
    ipc::frame_append(f, type, job_id, payload);
    return write_all(f);
}

bool send_done(uint64_t job_id, ipc::Outcome outcome) {
    ipc::DoneMsg d;
    d.outcome = outcome;
    return send(ipc::MsgType::Done, job_id, ipc::encode(d));
}

std::string behaviour_of(const std::string &prompt) {
    static const char kMarker[] = "FAKE_EXECUTOR:";
    size_t at = prompt.find(kMarker);
    if (at == std::string::npos) return "";
    size_t start = at + sizeof kMarker - 1, end = start;
    while (end < prompt.size() && (isalnum(static_cast<unsigned char>(prompt[end])) || prompt[end] == '-')) end++;
    return prompt.substr(start, end - start);
}

bool answer(uint64_t job_id) {
    ipc::TextMsg m{"fake answer"};
    ipc::UsageMsg u;
    u.input_tokens = 3;
    u.output_tokens = 2;
    return send(ipc::MsgType::MessageEnd, job_id, ipc::encode(m)) &&
           send(ipc::MsgType::Usage, job_id, ipc::encode(u)) && send_done(job_id, ipc::Outcome::Ok);
}

// Returns false when the channel is gone.
bool run_job(uint64_t job_id, const std::string &behaviour, bool &hanging) {
    if (behaviour == "wrong-job-id") return send_done(job_id + 1000, ipc::Outcome::Ok);
    if (behaviour == "ready-while-busy") {
        ipc::ReadyMsg r{static_cast<uint32_t>(getpid()), "fake"};
        return send(ipc::MsgType::Ready, 0, ipc::encode(r));
    }
    if (behaviour == "bad-payload") return send(ipc::MsgType::MessageEnd, job_id, "xx");
    if (behaviour == "text-after-usage")
        return send(ipc::MsgType::Usage, job_id, ipc::encode(ipc::UsageMsg{})) &&
               send(ipc::MsgType::TextDelta, job_id, ipc::encode(ipc::TextMsg{"late"}));
    if (behaviour == "done-mid-message")
        return send(ipc::MsgType::TextDelta, job_id, ipc::encode(ipc::TextMsg{"cut"})) &&
               send_done(job_id, ipc::Outcome::Ok);
    if (behaviour == "malformed-frame") return write_all(std::string(16, '\x7f'));
    if (behaviour == "unknown-type") return send(ipc::MsgType::Job, job_id, "");
    if (behaviour == "hang") return hanging = true;
    if (behaviour == "exit") _exit(3);
    if (behaviour == "usage-windows") {
        ipc::UsageWindowsMsg w;
        w.windows = {{"codex", "Codex", "primary", 87.5, 300, 1790000000},
                     {"codex", "Codex", "secondary", 41, 10080, 1790400000}};
        if (!send(ipc::MsgType::UsageWindows, job_id, ipc::encode(w))) return false;
    }
    return answer(job_id);
}

}  // namespace

int main() {
    const char *mode = getenv("FAKE_EXECUTOR_MODE");
    if (mode && strcmp(mode, "exit") == 0) return 1;
    ipc::ReadyMsg ready{static_cast<uint32_t>(getpid()), "fake"};
    if (!send(ipc::MsgType::Ready, 0, ipc::encode(ready))) return 1;
    ipc::FrameReader reader;
    bool hanging = false;
    uint64_t hanging_id = 0;
    char buf[65536];
    for (;;) {
        ssize_t n = read(kFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;  // the supervisor closed the channel: stop
        reader.feed(buf, static_cast<size_t>(n));
        ipc::FrameHeader h;
        std::string payload;
        ipc::FrameStatus fs;
        while ((fs = reader.next(h, payload)) == ipc::FrameStatus::Complete) {
            if (h.type == ipc::MsgType::Setup) continue;
            if (h.type == ipc::MsgType::Cancel) {
                if (hanging && h.job_id == hanging_id && !send_done(h.job_id, ipc::Outcome::Cancelled)) return 1;
                hanging = false;
                continue;
            }
            ipc::JobMsg job;
            if (h.type != ipc::MsgType::Job || !ipc::decode(payload, job)) return 2;
            if (!run_job(h.job_id, behaviour_of(job.prompt), hanging)) return 1;
            if (hanging) hanging_id = h.job_id;
        }
        if (fs == ipc::FrameStatus::Corrupt) return 2;
    }
}
