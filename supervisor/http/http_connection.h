// One client connection: http-parser, the limits it leaves to us, and the
// writing of answers, whole or streamed.
//
// A connection serves one request at a time. Bytes of a pipelined next
// request are held until the current answer is written, then parsed, so
// pipelined requests are answered in order. While a request is being
// answered the socket is still read, so that a client that leaves is
// noticed at once and its job cancelled.
#pragma once
#include <uv.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/base/openai_error.h"
#include "supervisor/http/http_request.h"
#include "supervisor/http/http_server.h"

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What answers a request asynchronously (a codex job). The connection owns
// it; client_gone() is its last notice, after which it must not use the
// connection.
class Exchange {
public:
    virtual ~Exchange() = default;
    virtual void client_gone() = 0;
};

class HttpConnection {
public:
    // Accepts a pending connection of server; closes it at once when over
    // the connection limit.
    static void accept_from(HttpServer &server, uv_stream_t *listener);

    HttpServer &server() { return server_; }
    uv_loop_t *loop() { return server_.loop; }
    HttpRequest &request() { return req_; }

    void respond(int status, std::string_view content_type, std::string_view body, const HeaderList &extra = {});
    void respond_error(const ApiError &e, const HeaderList &extra = {});
    void stream_begin(int status, std::string_view content_type);
    void stream_write(std::string_view data);
    void stream_end();
    // Writes text every ms while a stream waits, so that clients and
    // proxies in between do not time an idle stream out.
    void stream_heartbeat(uint32_t ms, std::string text);

    void set_exchange(std::unique_ptr<Exchange> ex) { exchange_ = std::move(ex); }
    // Closes an idle keep-alive connection now; a busy one after its answer.
    void close_when_idle();

private:
    enum class Phase { Idle, Headers, Body, Handling, Closing };
    struct WriteReq;

    explicit HttpConnection(HttpServer &server);
    ~HttpConnection();
    friend struct HttpCallbacks;

    void start_reading();
    bool over_peer_limit() const;
    void feed(const char *data, size_t len);
    void dispatch();
    void on_readable(ssize_t nread, const char *data);
    void arm_timer(uint32_t ms);
    void on_timer();
    void on_write_timer();
    void reject(const ApiError &e);
    bool validate_headers();
    bool validate_framing();
    bool validate_fields();
    bool refuse_upgrade();
    void finish_header();
    void write_raw(std::string data, bool last);
    void on_write_done(bool last, int status);
    void response_complete();
    void next_request();
    void close(const char *why = nullptr);
    void wipe_credentials();
    void log_access();
    std::string head(int status, std::string_view content_type, long content_length, const HeaderList &extra);

    uv_stream_t *stream() { return reinterpret_cast<uv_stream_t *>(&sock_); }

    HttpServer &server_;
    union Socket {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } sock_;
    // Header, body and idle limits, the lingering close and the stream's
    // keep-alive: one at a time, by phase.
    uv_timer_t timer_;
    // Runs while bytes wait to be written: a client that reads none of
    // them for a whole write timeout is cut off.
    uv_timer_t write_timer_;
    size_t bytes_queued_ = 0, write_mark_ = 0;
    std::string peer_;  // the client's address (IPv6: its /64); empty on a Unix socket
    http_parser parser_;
    int handles_open_ = 0;
    Phase phase_ = Phase::Idle;
    HttpRequest req_;
    std::string field_, value_;
    bool in_value_ = false;
    size_t header_bytes_ = 0;
    ApiError rejection_;
    bool rejected_ = false;
    std::string pending_in_;
    bool reading_ = false;
    bool keep_alive_ = true;
    bool streaming_ = false, chunked_ = false, responded_ = false;
    int status_ = 0;
    int writes_pending_ = 0;
    bool response_done_ = false, closing_ = false;
    std::unique_ptr<Exchange> exchange_;
    // An exchange the connection closed under; freed with the connection,
    // since the close may happen inside one of its own calls.
    std::unique_ptr<Exchange> retired_;
    std::string heartbeat_;
};
