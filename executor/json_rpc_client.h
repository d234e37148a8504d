// A JSON-RPC client over a pair of pipes, one JSON object per line, as
// `codex app-server` speaks it on stdio.
//
// Poll-driven and never blocking: requests are queued and written as the
// pipe takes them, replies are read only while nothing read is waiting to be
// taken, so a server that floods notifications costs at most one read buffer
// of memory. A line longer than the limit, a write to a closed pipe or EOF
// breaks the connection for good; a line that is not a JSON object is
// counted and skipped.
#pragma once
#include <poll.h>

#include <cjson/cJSON.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"

struct CJsonDelete {
    void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using CJsonPtr = std::unique_ptr<cJSON, CJsonDelete>;

struct RpcMessage {
    enum class Kind { Response, ErrorResponse, Notification, ServerRequest } kind = Kind::Notification;
    int64_t id = -1;              // a numeric id of ours (Response, ErrorResponse); -1 otherwise
    std::string method;           // Notification, ServerRequest
    int error_code = 0;           // ErrorResponse
    std::string error_message;    // ErrorResponse
    CJsonPtr doc;                 // the whole message
    const cJSON *body = nullptr;  // result (Response) or params (Notification, ServerRequest); may be null
};

enum class RpcWait { Message, Timeout, Watched, Closed };

class JsonRpcClient {
public:
    static constexpr size_t kDefaultMaxLine = 16u << 20;
    // to_server and from_server are made non-blocking.
    JsonRpcClient(UniqueFd to_server, UniqueFd from_server, size_t max_line = kDefaultMaxLine);

    // Queue a request (params may be null; taken over); returns its id.
    int64_t request(std::string_view method, cJSON *params);
    void notify(std::string_view method, cJSON *params);
    // Refuse a request the server sent us (we offer no client-side methods).
    void respond_error(const RpcMessage &request, int code, std::string_view message);

    // The next message already read, if any.
    bool pop(RpcMessage &m);
    // Poll integration: append the fds to wait on, then hand the results back.
    void poll_fds(std::vector<struct pollfd> &fds) const;
    void on_poll(const std::vector<struct pollfd> &fds);
    // Waits up to timeout_ms for one message (or watch_fd readable, if >= 0).
    RpcWait wait(RpcMessage &m, int timeout_ms, int watch_fd = -1);

    bool closed() const { return closed_; }
    const std::string &failure() const { return failure_; }  // why it closed
    size_t non_json_lines() const { return non_json_; }
    bool output_pending() const { return out_off_ < out_.size(); }

private:
    void queue(cJSON *msg);
    void flush();
    void read_some();
    void take_line(std::string_view line);
    void close_with(const std::string &why);

    UniqueFd to_, from_;
    size_t max_line_;
    int64_t next_id_ = 1;
    std::string out_, in_;
    size_t out_off_ = 0;
    std::deque<RpcMessage> ready_;
    bool closed_ = false;
    std::string failure_;
    size_t non_json_ = 0;
};
