// One running, initialised `codex app-server`: the child, its JSON-RPC
// connection, and calls to it that wait in bounded time.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "executor/app_server_process.h"
#include "executor/json_rpc_client.h"

enum class Pump { Message, Timeout, Control, Closed };
enum class CallResult { Ok, Error, Timeout, Control, Closed };

class AppServerSession {
public:
    // Spawns argv in dir and completes initialize/initialized before deadline.
    bool start(const std::vector<std::string> &argv, const std::vector<std::string> &extra_env, const std::string &dir,
               uint64_t cpu_seconds, uint64_t deadline, std::string &error);
    void stop(uint32_t grace_ms);
    bool alive();
    // The next notification, or why there is none. A request from the
    // server is refused here (the proxy offers no client methods); a reply
    // to a request nobody waits for any more is dropped.
    Pump next(RpcMessage &m, uint64_t deadline, int control_fd);
    // A request and its reply; notifications that arrive meanwhile go to
    // on_note. "Server overloaded" (-32001) is retried with a short backoff
    // until deadline. params is taken over.
    CallResult call(const char *method, cJSON *params, uint64_t deadline, int control_fd, RpcMessage &reply,
                    const std::function<void(RpcMessage &)> &on_note);
    // A request whose reply does not matter (it is dropped when it comes,
    // unless watched); its id, or -1 when the server is gone.
    int64_t send(const char *method, cJSON *params);
    // The reply to id goes to on_reply when next(), call() or tend() meets
    // it, instead of being dropped. One watch at a time; a new one replaces it.
    void watch(int64_t id, std::function<void(RpcMessage &)> on_reply);
    // Drains what arrived while idle without waiting; false once it is dead.
    bool tend(const std::function<void(RpcMessage &)> &on_note);
    // True when the last tend() found more than it may take in one go: a
    // server that floods while idle is busy-looping, and is replaced.
    bool flooding() const { return flooding_; }
    AppServerProcess &process() { return proc_; }
    // Why the connection ended, with the tail of the server's stderr.
    std::string failure();
    size_t non_json_lines() const { return rpc_ ? rpc_->non_json_lines() : 0; }

private:
    Pump pump(RpcMessage &m, uint64_t deadline, int control_fd);
    void route_reply(RpcMessage &m);
    AppServerProcess proc_;
    std::unique_ptr<JsonRpcClient> rpc_;
    bool flooding_ = false;
    int64_t watched_id_ = -1;
    std::function<void(RpcMessage &)> on_watched_;
};
