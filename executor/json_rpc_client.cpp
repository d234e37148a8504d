#include "executor/json_rpc_client.h"

#include <errno.h>
#include <fcntl.h>

#include <cstring>

#include "common/monotonic.h"

namespace {

constexpr size_t kReadChunk = 65536;

void set_nonblocking(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

// A message's kind from its members, as JSON-RPC 2.0 tells them apart.
bool classify(RpcMessage &m) {
    const cJSON *root = m.doc.get();
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
    bool has_id = id && !cJSON_IsNull(id);
    if (cJSON_IsString(method)) {
        m.method = method->valuestring;
        m.kind = has_id ? RpcMessage::Kind::ServerRequest : RpcMessage::Kind::Notification;
        m.body = cJSON_GetObjectItemCaseSensitive(root, "params");
        return true;
    }
    if (!has_id) return false;
    if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < 9007199254740992.0)
        m.id = static_cast<int64_t>(id->valuedouble);
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (cJSON_IsObject(error)) {
        m.kind = RpcMessage::Kind::ErrorResponse;
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(error, "message");
        if (cJSON_IsNumber(code) && code->valuedouble > -2147483648.0 && code->valuedouble < 2147483648.0)
            m.error_code = static_cast<int>(code->valuedouble);
        if (cJSON_IsString(msg)) m.error_message = msg->valuestring;
        m.body = error;
        return true;
    }
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(root, "result");
    if (!result) return false;
    m.kind = RpcMessage::Kind::Response;
    m.body = result;
    return true;
}

}  // namespace

JsonRpcClient::JsonRpcClient(UniqueFd to_server, UniqueFd from_server, size_t max_line)
    : to_(std::move(to_server)), from_(std::move(from_server)), max_line_(max_line) {
    set_nonblocking(to_.get());
    set_nonblocking(from_.get());
}

void JsonRpcClient::queue(cJSON *msg) {
    char *text = cJSON_PrintUnformatted(msg);
    cJSON_Delete(msg);
    if (!text) return close_with("out of memory encoding a message");
    if (out_off_ == out_.size()) out_.clear(), out_off_ = 0;
    out_ += text;
    out_ += '\n';
    cJSON_free(text);
    flush();
}

int64_t JsonRpcClient::request(std::string_view method, cJSON *params) {
    int64_t id = next_id_++;
    cJSON *msg = cJSON_CreateObject();
    cJSON_AddNumberToObject(msg, "id", static_cast<double>(id));
    cJSON_AddItemToObject(msg, "method", cJSON_CreateString(std::string(method).c_str()));
    if (params) cJSON_AddItemToObject(msg, "params", params);
    queue(msg);
    return id;
}

void JsonRpcClient::notify(std::string_view method, cJSON *params) {
    cJSON *msg = cJSON_CreateObject();
    cJSON_AddItemToObject(msg, "method", cJSON_CreateString(std::string(method).c_str()));
    if (params) cJSON_AddItemToObject(msg, "params", params);
    queue(msg);
}

void JsonRpcClient::respond_error(const RpcMessage &request, int code, std::string_view message) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(request.doc.get(), "id");
    if (!id) return;
    cJSON *msg = cJSON_CreateObject();
    cJSON_AddItemToObject(msg, "id", cJSON_Duplicate(id, true));
    cJSON *err = cJSON_AddObjectToObject(msg, "error");
    cJSON_AddNumberToObject(err, "code", code);
    cJSON_AddItemToObject(err, "message", cJSON_CreateString(std::string(message).c_str()));
    queue(msg);
}

void JsonRpcClient::close_with(const std::string &why) {
    if (closed_) return;
    closed_ = true;
    failure_ = why;
    out_.clear();
    out_off_ = 0;
}

void JsonRpcClient::flush() {
    while (!closed_ && out_off_ < out_.size()) {
        ssize_t n = write(to_.get(), out_.data() + out_off_, out_.size() - out_off_);
        if (n > 0) {
            out_off_ += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            return close_with(std::string("write to the server failed: ") + strerror(errno));
        }
    }
}

void JsonRpcClient::take_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    RpcMessage m;
    m.doc.reset(cJSON_ParseWithLength(line.data(), line.size()));
    if (!cJSON_IsObject(m.doc.get()) || !classify(m)) {
        non_json_++;
        return;
    }
    ready_.push_back(std::move(m));
}

void JsonRpcClient::read_some() {
    char buf[kReadChunk];
    ssize_t n = read(from_.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        if (!in_.empty() && in_.size() <= max_line_) take_line(in_);
        in_.clear();
        return close_with(n == 0 ? "the server closed its output" : std::string("read: ") + strerror(errno));
    }
    in_.append(buf, static_cast<size_t>(n));
    size_t start = 0, nl;
    while ((nl = in_.find('\n', start)) != std::string::npos) {
        if (nl - start > max_line_) return close_with("the server wrote a line over the limit");
        take_line(std::string_view(in_).substr(start, nl - start));
        start = nl + 1;
    }
    in_.erase(0, start);
    if (in_.size() > max_line_) close_with("the server wrote a line over the limit");
}

bool JsonRpcClient::pop(RpcMessage &m) {
    if (ready_.empty()) return false;
    m = std::move(ready_.front());
    ready_.pop_front();
    return true;
}

void JsonRpcClient::poll_fds(std::vector<struct pollfd> &fds) const {
    if (closed_) return;
    // Read only once what was read is taken: a flood waits in the pipe.
    if (ready_.empty()) fds.push_back({from_.get(), POLLIN, 0});
    if (output_pending()) fds.push_back({to_.get(), POLLOUT, 0});
}

void JsonRpcClient::on_poll(const std::vector<struct pollfd> &fds) {
    for (const auto &p : fds) {
        if (!p.revents || closed_) continue;
        if (p.fd == from_.get() && (p.events & POLLIN)) read_some();
        else if (p.fd == to_.get() && (p.events & POLLOUT)) flush();
    }
}

RpcWait JsonRpcClient::wait(RpcMessage &m, int timeout_ms, int watch_fd) {
    uint64_t deadline = monotonic_ms() + static_cast<uint64_t>(timeout_ms < 0 ? 0 : timeout_ms);
    std::vector<struct pollfd> fds;
    for (;;) {
        if (pop(m)) return RpcWait::Message;
        if (closed_) return RpcWait::Closed;
        fds.clear();
        if (watch_fd >= 0) fds.push_back({watch_fd, POLLIN, 0});
        poll_fds(fds);
        uint64_t now = monotonic_ms();
        if (now >= deadline && timeout_ms >= 0) {
            // One last look without waiting: what is already there counts.
            if (poll(fds.data(), fds.size(), 0) <= 0) return RpcWait::Timeout;
        } else if (poll(fds.data(), fds.size(), static_cast<int>(deadline - now)) <= 0) {
            continue;
        }
        if (watch_fd >= 0 && fds[0].revents) return RpcWait::Watched;
        on_poll(fds);
        if (now >= deadline && ready_.empty()) return closed_ ? RpcWait::Closed : RpcWait::Timeout;
    }
}
