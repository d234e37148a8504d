#include "executor/app_server_session.h"

#include <poll.h>

#include <algorithm>
#include <climits>

#include "common/log.h"
#include "common/monotonic.h"
#include "executor/app_server_protocol.h"

namespace {

constexpr uint64_t kOverloadFirstWaitMs = 20;
constexpr uint64_t kOverloadMaxWaitMs = 500;

}  // namespace

bool AppServerSession::start(const std::vector<std::string> &argv, const std::vector<std::string> &extra_env,
                             const std::string &dir, uint64_t cpu_seconds, uint64_t deadline, std::string &error) {
    stop(0);
    if (!proc_.spawn(argv, extra_env, dir, cpu_seconds, error)) return false;
    rpc_ = std::make_unique<JsonRpcClient>(proc_.take_stdin(), proc_.take_stdout());
    RpcMessage reply;
    CallResult r =
        call("initialize", app_server_initialize_params(CODEX_PROXY_VERSION), deadline, -1, reply, [](RpcMessage &) {});
    if (r != CallResult::Ok) {
        error = r == CallResult::Timeout ? "codex app-server did not answer initialize in time"
                : r == CallResult::Error ? "codex app-server refused initialize: " + reply.error_message
                                         : "codex app-server ended during initialize: " + failure();
        stop(0);
        return false;
    }
    rpc_->notify("initialized", nullptr);
    return true;
}

void AppServerSession::stop(uint32_t grace_ms) {
    watched_id_ = -1;
    on_watched_ = nullptr;
    rpc_.reset();  // its stdin closes first: a well-behaved server ends on EOF
    proc_.stop(grace_ms);
}

bool AppServerSession::alive() { return rpc_ && !rpc_->closed() && proc_.running() && !proc_.exited(); }

std::string AppServerSession::failure() {
    proc_.drain_stderr();
    std::string why = rpc_ ? rpc_->failure() : std::string("not running");
    if (rpc_ && rpc_->non_json_lines()) why = "it printed lines that are not JSON-RPC";
    if (proc_.exited()) why += "; exit status " + std::to_string(proc_.wait_status());
    const std::string &tail = proc_.stderr_tail();
    if (!tail.empty()) why += "; stderr tail: " + tail.substr(tail.size() > 600 ? tail.size() - 600 : 0);
    return why;
}

Pump AppServerSession::pump(RpcMessage &m, uint64_t deadline, int control_fd) {
    std::vector<struct pollfd> fds;
    for (;;) {
        if (!rpc_) return Pump::Closed;
        // Deadline and control first: a server that floods always has a
        // message queued, and must not keep a job past its time or cancel.
        uint64_t now = monotonic_ms();
        if (now >= deadline) return Pump::Timeout;
        if (control_fd >= 0) {
            struct pollfd c = {control_fd, POLLIN, 0};
            if (poll(&c, 1, 0) > 0 && c.revents) return Pump::Control;
        }
        // A server that printed something not JSON-RPC is broken, even
        // when nothing valid follows to wake the caller.
        if (rpc_->non_json_lines()) return Pump::Closed;
        if (rpc_->pop(m)) return Pump::Message;
        if (rpc_->closed()) return Pump::Closed;
        fds.clear();
        if (control_fd >= 0) fds.push_back({control_fd, POLLIN, 0});
        if (proc_.stderr_fd() >= 0) fds.push_back({proc_.stderr_fd(), POLLIN, 0});
        rpc_->poll_fds(fds);
        int wait = static_cast<int>(std::min<uint64_t>(deadline - now, INT_MAX));
        if (poll(fds.data(), fds.size(), wait) <= 0) continue;
        if (control_fd >= 0 && fds[0].revents) return Pump::Control;
        for (const auto &p : fds)
            if (p.fd == proc_.stderr_fd() && p.revents) proc_.drain_stderr();
        rpc_->on_poll(fds);
    }
}

Pump AppServerSession::next(RpcMessage &m, uint64_t deadline, int control_fd) {
    for (;;) {
        Pump p = pump(m, deadline, control_fd);
        if (p != Pump::Message) return p;
        if (m.kind == RpcMessage::Kind::Notification) return p;
        if (m.kind == RpcMessage::Kind::ServerRequest) {
            LogLine("executor", "warn", "codex app-server asked the client; refused").kv("method", m.method).emit();
            rpc_->respond_error(m, -32601, "not supported by codex-proxy");
        } else {
            route_reply(m);
        }
    }
}

// A reply nobody waits for: the watched one goes to its callback (which may
// set a new watch), any other is dropped.
void AppServerSession::route_reply(RpcMessage &m) {
    if (watched_id_ < 0 || m.id != watched_id_) return;
    std::function<void(RpcMessage &)> on_reply = std::move(on_watched_);
    watched_id_ = -1;
    on_watched_ = nullptr;
    on_reply(m);
}

CallResult AppServerSession::call(const char *method, cJSON *params, uint64_t deadline, int control_fd,
                                  RpcMessage &reply, const std::function<void(RpcMessage &)> &on_note) {
    CJsonPtr kept(params);
    uint64_t backoff = kOverloadFirstWaitMs;
    for (;;) {
        if (!rpc_) return CallResult::Closed;
        int64_t id = rpc_->request(method, kept ? cJSON_Duplicate(kept.get(), true) : nullptr);
        for (;;) {
            Pump p = pump(reply, deadline, control_fd);
            if (p == Pump::Timeout) return CallResult::Timeout;
            if (p == Pump::Control) return CallResult::Control;
            if (p == Pump::Closed) return CallResult::Closed;
            if (reply.kind == RpcMessage::Kind::Notification) {
                on_note(reply);
            } else if (reply.kind == RpcMessage::Kind::ServerRequest) {
                rpc_->respond_error(reply, -32601, "not supported by codex-proxy");
            } else if (reply.id == id) {
                break;
            } else {
                route_reply(reply);
            }
        }
        if (reply.kind == RpcMessage::Kind::Response) return CallResult::Ok;
        if (reply.error_code != kAppServerOverloaded) return CallResult::Error;
        // Its queue is full: wait a little, within the caller's time.
        uint64_t now = monotonic_ms();
        if (now + backoff >= deadline) return CallResult::Timeout;
        RpcMessage ignored;
        uint64_t until = now + backoff;
        while (pump(ignored, until, control_fd) == Pump::Message)
            if (ignored.kind == RpcMessage::Kind::Notification) on_note(ignored);
            else if (ignored.kind != RpcMessage::Kind::ServerRequest) route_reply(ignored);
        backoff = std::min(backoff * 2, kOverloadMaxWaitMs);
    }
}

int64_t AppServerSession::send(const char *method, cJSON *params) {
    if (rpc_) return rpc_->request(method, params);
    cJSON_Delete(params);
    return -1;
}

void AppServerSession::watch(int64_t id, std::function<void(RpcMessage &)> on_reply) {
    watched_id_ = id;
    on_watched_ = std::move(on_reply);
}

bool AppServerSession::tend(const std::function<void(RpcMessage &)> &on_note) {
    RpcMessage m;
    // Bounded: a server flooding while idle is noticed on the next tick.
    constexpr int kMaxIdleNotes = 256;
    int i = 0;
    for (; i < kMaxIdleNotes && next(m, monotonic_ms() + 1, -1) == Pump::Message; i++) on_note(m);
    flooding_ = i == kMaxIdleNotes;
    proc_.drain_stderr();
    return alive();
}
