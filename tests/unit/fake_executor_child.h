// The unit test binary as its own scripted executor, the way libuv's
// test-spawn.c re-runs its test binary as a helper child.
//
// A test points App::executor_path at this very binary and names a mode in
// FAKE_EXECUTOR_MODE (passed through CODEX_PROXY_PASS_ENV's list): the
// child's main() sees it first thing and becomes an executor speaking the
// real framing on the channel fd instead of running the tests.
//
// Modes (what the executor does on start):
//   serve          reads its Setup (exits 5 when the first frame is not a
//                  valid one), says Ready, then runs each job by its
//                  prompt's script
//   exit           exits with status 1 before saying Ready
//   garbage        writes bytes that are no frame, instead of Ready
//   mute           reads its Setup and never says Ready
//
// A job's script is the rest of the prompt's line after "FAKE:", steps
// separated by spaces; "||" separates the scripts of the executor's first,
// second, ... job (the last one serves every later job), so that a retry
// can answer differently.
// Text is percent-encoded (%20 is a space). Steps:
//   delta=TEXT       a TextDelta
//   end=TEXT         a MessageEnd: the rest of the message (TEXT may be empty)
//   usage            a Usage of 3 input and 2 output tokens
//   done[=OUTCOME]   a Done: ok (default), timeout, model_failed, backend_failed, spawn_failed
//   done-other-job   a Done carrying another job's id
//   ready            a Ready, as if starting again
//   restarting       a Restarting (idle, replacing its backend; after done)
//   bad-payload      a MessageEnd whose payload does not decode
//   garbage          a header of another protocol version
//   job-frame        a frame of a type only the supervisor sends (Job)
//   bytewise         from here on, every frame is written one byte at a time
//   echo-timeout     a MessageEnd whose text is the job's timeout_ms
//   echo-timeout-json  the same as a JSON object {"timeout_ms":N}
//   echo-prompt      a MessageEnd whose text is the prompt's first line
//   echo-setup       a MessageEnd whose text is the setup's workdir and sqlite_home
//   remember-prompt  keeps the prompt, for prompt-extends-json
//   prompt-extends-json=TEXT  a MessageEnd {"a":1} when this prompt is the one
//                    kept followed by more that contains TEXT, else "no"
//   sleep=MS         waits MS milliseconds
//   hang             waits for the job's Cancel, then ends the message a
//                    delta left open and sends Done Cancelled
//   deaf             waits, ignoring Cancel, until the channel closes
//   hangup           closes the channel, then waits to be killed
//   die              exits with status 3 at once
// A prompt without "FAKE:" is answered "fake answer", a usage and Done Ok.
#pragma once
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/executor_setup.h"
#include "common/ipc_frame.h"
#include "common/ipc_messages.h"

namespace fake_executor {

constexpr const char *kModeVariable = "FAKE_EXECUTOR_MODE";
constexpr int kChannelFd = kExecutorChannelFd;

struct Child {
    ipc::FrameReader reader;
    bool bytewise = false;
    int jobs_run = 0;
    std::string kept_prompt;
    bool in_message = false;  // deltas sent, the message's end not yet
    ExecutorSetup setup;

    bool write_all(const std::string &s) {
        size_t off = 0;
        while (off < s.size()) {
            size_t want = bytewise ? 1 : s.size() - off;
            ssize_t n = write(kChannelFd, s.data() + off, want);
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
        d.backend_ms = 1;
        return send(ipc::MsgType::Done, job_id, ipc::encode(d));
    }

    bool send_text(ipc::MsgType type, uint64_t job_id, const std::string &text) {
        ipc::TextMsg m{text};
        return send(type, job_id, ipc::encode(m));
    }

    // Reads the next frame from the supervisor; false: the channel closed.
    bool next_frame(ipc::FrameHeader &h, std::string &payload) {
        for (;;) {
            ipc::FrameStatus fs = reader.next(h, payload);
            if (fs == ipc::FrameStatus::Complete) return true;
            if (fs == ipc::FrameStatus::Corrupt) _exit(2);
            char buf[65536];
            ssize_t n = read(kChannelFd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            reader.feed(buf, static_cast<size_t>(n));
        }
    }

    // Waits for the Cancel of job_id; false: the channel closed first.
    bool await_cancel(uint64_t job_id) {
        ipc::FrameHeader h;
        std::string payload;
        while (next_frame(h, payload))
            if (h.type == ipc::MsgType::Cancel && h.job_id == job_id) return true;
        return false;
    }

    bool run_step(const std::string &step, uint64_t id, const ipc::JobMsg &job);
    bool run_job(uint64_t id, const ipc::JobMsg &job);
    int serve();
};

inline std::string percent_decode(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(strtol(s.substr(i + 1, 2).c_str(), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

inline ipc::Outcome outcome_named(const std::string &name) {
    if (name == "timeout") return ipc::Outcome::Timeout;
    if (name == "model_failed") return ipc::Outcome::ModelFailed;
    if (name == "backend_failed") return ipc::Outcome::BackendFailed;
    if (name == "spawn_failed") return ipc::Outcome::SpawnFailed;
    return ipc::Outcome::Ok;
}

// The steps of this job: the n-th "||" alternative of the script (the last
// one for every later job).
inline std::vector<std::string> script_of(const std::string &prompt, int job_index) {
    std::vector<std::string> steps;
    size_t at = prompt.find("FAKE:");
    if (at == std::string::npos) return {"end=fake%20answer", "usage", "done"};
    size_t end = prompt.find('\n', at);
    std::string line = prompt.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
    std::vector<std::vector<std::string>> alternatives(1);
    size_t pos = 0;
    while (pos < line.size()) {
        size_t sp = line.find(' ', pos);
        std::string word = line.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
        pos = sp == std::string::npos ? line.size() : sp + 1;
        if (word.empty()) continue;
        if (word == "||") alternatives.emplace_back();
        else alternatives.back().push_back(word);
    }
    size_t n =
        static_cast<size_t>(job_index) < alternatives.size() ? static_cast<size_t>(job_index) : alternatives.size() - 1;
    return alternatives[n];
}

inline bool Child::run_step(const std::string &step, uint64_t id, const ipc::JobMsg &job) {
    size_t eq = step.find('=');
    std::string name = step.substr(0, eq);
    std::string arg = eq == std::string::npos ? "" : percent_decode(step.substr(eq + 1));
    if (name == "delta") return (in_message = true) && send_text(ipc::MsgType::TextDelta, id, arg);
    if (name == "end") return !(in_message = false) && send_text(ipc::MsgType::MessageEnd, id, arg);
    if (name == "usage") {
        ipc::UsageMsg u;
        u.input_tokens = 3;
        u.output_tokens = 2;
        return send(ipc::MsgType::Usage, id, ipc::encode(u));
    }
    if (name == "done") return send_done(id, outcome_named(arg));
    if (name == "done-other-job") return send_done(id + 1000, ipc::Outcome::Ok);
    if (name == "ready")
        return send(ipc::MsgType::Ready, 0, ipc::encode(ipc::ReadyMsg{static_cast<uint32_t>(getpid()), "fake"}));
    if (name == "restarting") return send(ipc::MsgType::Restarting, 0, std::string());
    if (name == "bad-payload") return send(ipc::MsgType::MessageEnd, id, "xx");
    if (name == "garbage") return write_all(std::string(16, '\x7f'));
    if (name == "job-frame") return send(ipc::MsgType::Job, id, "");
    if (name == "bytewise") return bytewise = true;
    if (name == "echo-timeout") return send_text(ipc::MsgType::MessageEnd, id, std::to_string(job.timeout_ms));
    if (name == "echo-timeout-json")
        return send_text(ipc::MsgType::MessageEnd, id, "{\"timeout_ms\":" + std::to_string(job.timeout_ms) + "}");
    if (name == "remember-prompt") {
        kept_prompt = job.prompt;
        return true;
    }
    if (name == "prompt-extends-json") {
        bool extends = job.prompt.size() > kept_prompt.size() &&
                       job.prompt.compare(0, kept_prompt.size(), kept_prompt) == 0 &&
                       job.prompt.find(arg, kept_prompt.size()) != std::string::npos;
        return send_text(ipc::MsgType::MessageEnd, id, extends ? "{\"a\":1}" : "no");
    }
    if (name == "echo-setup")
        return send_text(ipc::MsgType::MessageEnd, id, "workdir=" + setup.workdir + " sqlite=" + setup.sqlite_home);
    if (name == "echo-prompt")
        return send_text(ipc::MsgType::MessageEnd, id, job.prompt.substr(0, job.prompt.find('\n')));
    if (name == "sleep") {
        struct timespec ts = {atoi(arg.c_str()) / 1000, (atoi(arg.c_str()) % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        return true;
    }
    if (name == "hang") {  // ends an open message first, as the real job loop does
        if (!await_cancel(id)) return false;
        if (in_message && !run_step("end=", id, job)) return false;
        return send_done(id, ipc::Outcome::Cancelled);
    }
    if (name == "deaf") {
        ipc::FrameHeader h;
        std::string payload;
        while (next_frame(h, payload)) {}
        return false;
    }
    if (name == "hangup") {
        close(kChannelFd);
        for (;;) pause();
    }
    if (name == "die") _exit(3);
    _exit(4);  // a script the test got wrong
}

inline bool Child::run_job(uint64_t id, const ipc::JobMsg &job) {
    for (const std::string &step : script_of(job.prompt, jobs_run))
        if (!run_step(step, id, job)) return false;
    jobs_run++;
    return true;
}

inline int Child::serve() {
    ipc::FrameHeader h;
    std::string payload, why;
    if (!next_frame(h, payload) || h.type != ipc::MsgType::Setup || !executor_setup_decode(payload, setup, why) ||
        setup.supervisor_pid != static_cast<uint32_t>(getppid()))
        return 5;
    if (!send(ipc::MsgType::Ready, 0, ipc::encode(ipc::ReadyMsg{static_cast<uint32_t>(getpid()), "fake"}))) return 1;
    while (next_frame(h, payload)) {
        if (h.type != ipc::MsgType::Job) continue;  // a Cancel for a job already done
        ipc::JobMsg job;
        if (!ipc::decode(payload, job)) return 2;
        if (!run_job(h.job_id, job)) return 1;
    }
    return 0;  // the supervisor closed the channel: stop
}

// Call first in main(): when this process was started as a fake executor,
// it never returns.
inline void run_if_asked() {
    const char *mode = getenv(kModeVariable);
    if (!mode) return;
    Child c;
    if (!strcmp(mode, "exit")) _exit(1);
    if (!strcmp(mode, "mute")) {
        ipc::FrameHeader h;
        std::string payload;
        while (c.next_frame(h, payload)) {}
        _exit(0);
    }
    if (!strcmp(mode, "garbage")) {
        c.write_all(std::string(16, '\x7f'));
        pause();
    }
    _exit(c.serve());
}

}  // namespace fake_executor
