#include "supervisor/http_connection.h"

#include <cstring>

#include "common/log.h"
#include "supervisor/app.h"
#include "supervisor/http_status.h"
#include "supervisor/request_id.h"
#include "supervisor/router.h"

namespace {

// Bytes of a pipelined next request held while one is answered; past this
// the socket is no longer read until the answer is out.
constexpr size_t kMaxPendingInput = 64 * 1024;

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++)
        if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

struct HttpConnection::WriteReq {
    uv_write_t req;
    std::string data;
    HttpConnection *conn;
    bool last;
};

// http-parser's C callbacks, forwarded to the connection.
struct HttpCallbacks {
    static HttpConnection &c(http_parser *p) { return *static_cast<HttpConnection *>(p->data); }
    static bool grow(HttpConnection &c, size_t n) {
        c.header_bytes_ += n;
        if (c.header_bytes_ <= c.app_.cfg.max_header_bytes) return true;
        c.reject(api_error_for_status(431));
        return false;
    }
    static int message_begin(http_parser *p) {
        HttpConnection &k = c(p);
        k.phase_ = HttpConnection::Phase::Headers;
        k.req_ = HttpRequest();
        k.req_.start_ms = uv_now(k.app_.loop);
        k.arm_timer(k.app_.cfg.header_timeout_ms);
        return 0;
    }
    static int url(http_parser *p, const char *at, size_t n) {
        c(p).req_.target.append(at, n);
        return grow(c(p), n) ? 0 : -1;
    }
    static int header_field(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        if (k.in_value_) k.finish_header();
        k.field_.append(at, n);
        return grow(k, n) ? 0 : -1;
    }
    static int header_value(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        k.in_value_ = true;
        k.value_.append(at, n);
        return grow(k, n) ? 0 : -1;
    }
    static int headers_complete(http_parser *p) {
        HttpConnection &k = c(p);
        if (k.in_value_) k.finish_header();
        return k.validate_headers() ? 0 : -1;
    }
    static int body(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        if (k.req_.body.size() + n > k.app_.cfg.max_body_bytes) {
            k.reject(api_error_for_status(413));
            return -1;
        }
        k.req_.body.append(at, n);
        return 0;
    }
    static int message_complete(http_parser *p) {
        HttpConnection &k = c(p);
        k.phase_ = HttpConnection::Phase::Handling;
        http_parser_pause(p, 1);  // one request at a time; the rest waits in pending_in_
        return 0;
    }
    static const http_parser_settings settings;
};

const http_parser_settings HttpCallbacks::settings = {
    HttpCallbacks::message_begin, HttpCallbacks::url,  nullptr, HttpCallbacks::header_field,
    HttpCallbacks::header_value,  HttpCallbacks::headers_complete, HttpCallbacks::body,
    HttpCallbacks::message_complete, nullptr, nullptr};

HttpConnection::HttpConnection(App &app) : app_(app) {
    if (app.listener_is_unix) uv_pipe_init(app.loop, &sock_.pipe, 0);
    else uv_tcp_init(app.loop, &sock_.tcp);
    uv_timer_init(app.loop, &timer_);
    stream()->data = this;
    timer_.data = this;
    handles_open_ = 2;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    app.connections.insert(this);
}

HttpConnection::~HttpConnection() { app_.connections.erase(this); }

void HttpConnection::accept_from(App &app, uv_stream_t *server) {
    auto *c = new HttpConnection(app);
    if (uv_accept(server, c->stream()) != 0 || app.draining) {
        c->close();
        return;
    }
    if (!app.listener_is_unix) uv_tcp_nodelay(&c->sock_.tcp, 1);
    if (app.connections.size() > app.cfg.max_connections) {
        // Say why, then close without reading a request: a bare close would
        // reach a client that already sent bytes as a reset.
        ApiError e = api_error_for_status(503);
        e.code = "too_many_connections";
        e.message = "The proxy has too many open connections; try again shortly.";
        c->req_.path = "-";
        c->reject(e);
        return;
    }
    c->arm_timer(app.cfg.header_timeout_ms);
    c->start_reading();
}

void HttpConnection::start_reading() {
    if (reading_ || closing_) return;
    reading_ = true;
    uv_read_start(
        stream(),
        [](uv_handle_t *, size_t, uv_buf_t *buf) {
            static thread_local char slab[65536];  // read scratch, consumed before returning to the loop
            *buf = uv_buf_init(slab, sizeof slab);
        },
        [](uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
            static_cast<HttpConnection *>(s->data)->on_readable(nread, buf->base);
        });
}

void HttpConnection::on_readable(ssize_t nread, const char *data) {
    if (nread == 0) return;
    if (nread < 0) {  // EOF or reset: the client is gone
        close();
        return;
    }
    size_t n = static_cast<size_t>(nread);
    if (phase_ == Phase::Closing) return;  // lingering: discard
    if (phase_ == Phase::Handling) {
        pending_in_.append(data, n);
        if (pending_in_.size() > kMaxPendingInput) {
            uv_read_stop(stream());
            reading_ = false;
        }
        return;
    }
    feed(data, n);
}

void HttpConnection::feed(const char *data, size_t len) {
    size_t n = http_parser_execute(&parser_, &HttpCallbacks::settings, data, len);
    if (rejected_) return;
    enum http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
        pending_in_.assign(data + n, len - n);
        dispatch();
        return;
    }
    if (err == HPE_HEADER_OVERFLOW) {
        reject(api_error_for_status(431));
    } else if (err != HPE_OK || parser_.upgrade) {
        ApiError e = api_error_for_status(400);
        if (err != HPE_OK) e.message = std::string("Malformed HTTP request: ") + http_errno_description(err);
        reject(e);
    }
}

void HttpConnection::finish_header() {
    for (auto &ch : field_) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    req_.headers.emplace_back(std::move(field_), std::move(value_));
    field_.clear();
    value_.clear();
    in_value_ = false;
}

// Conflicting framing is how requests are smuggled past proxies: at most
// one Content-Length or one Transfer-Encoding, and only chunked.
bool HttpConnection::validate_framing() {
    int cl = 0, te = 0;
    std::string_view te_value;
    for (const auto &h : req_.headers) {
        if (h.first == "content-length") cl++;
        if (h.first == "transfer-encoding") te++, te_value = h.second;
    }
    if (cl > 1 || te > 1 || (cl && te)) {
        reject(api_error_invalid("Conflicting or repeated Content-Length / Transfer-Encoding headers.", "", "bad_request"));
        return false;
    }
    if (te && !ieq(trim(te_value), "chunked")) {
        ApiError e = api_error_for_status(501);
        e.message = "Only the chunked transfer coding is supported.";
        reject(e);
        return false;
    }
    if (cl && parser_.content_length > app_.cfg.max_body_bytes) {
        reject(api_error_for_status(413));
        return false;
    }
    return true;
}

// Checks that http-parser leaves to its embedder, before any body is read.
bool HttpConnection::validate_headers() {
    if (!validate_framing()) return false;
    const std::string *exp = req_.header("expect");
    std::string_view expect = exp ? std::string_view(*exp) : std::string_view();
    req_.method = static_cast<http_method>(parser_.method);
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(req_.target.data(), req_.target.size(), 0, &u) != 0 || !(u.field_set & (1 << UF_PATH))) {
        reject(api_error_invalid("Malformed request target.", "", "bad_request"));
        return false;
    }
    req_.path = req_.target.substr(u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
    const std::string *rid = req_.header("x-request-id");
    req_.request_id = (rid && request_id_acceptable(*rid)) ? *rid : random_id("req_");
    keep_alive_ = http_should_keep_alive(&parser_) && !app_.draining;
    ApiError early;
    if (!router_precheck(*this, early)) {  // auth before a large body is read
        reject(early);
        return false;
    }
    if (!expect.empty()) {
        if (!ieq(trim(expect), "100-continue")) {
            ApiError e = api_error_invalid("Unsupported Expect header.", "", "expectation_failed");
            e.status = 417;
            reject(e);
            return false;
        }
        if (parser_.http_major == 1 && parser_.http_minor >= 1) write_raw("HTTP/1.1 100 Continue\r\n\r\n", false);
    }
    phase_ = Phase::Body;
    arm_timer(app_.cfg.body_timeout_ms);
    return true;
}

// A request that cannot be served: answer it and close the connection,
// since what follows in the stream can no longer be trusted.
void HttpConnection::reject(const ApiError &e) {
    if (rejected_) return;
    rejected_ = true;
    keep_alive_ = false;
    if (req_.request_id.empty()) req_.request_id = random_id("req_");
    if (!req_.start_ms) req_.start_ms = uv_now(app_.loop);
    phase_ = Phase::Handling;
    respond_error(e);
}

void HttpConnection::dispatch() {
    uv_timer_stop(&timer_);
    route_request(*this);
}

void HttpConnection::arm_timer(uint32_t ms) {
    uv_timer_start(&timer_, [](uv_timer_t *t) { static_cast<HttpConnection *>(t->data)->on_timer(); }, ms, 0);
}

void HttpConnection::on_timer() {
    if (phase_ == Phase::Handling && streaming_ && !response_done_) {
        stream_write(heartbeat_);
    } else if (phase_ == Phase::Headers || phase_ == Phase::Body) {
        LogLine("supervisor", "warn", "slow client cut off").kv("phase", phase_ == Phase::Headers ? "headers" : "body").emit();
        reject(api_error_for_status(408));
    } else {
        close();  // idle keep-alive expired, or a lingering close is over
    }
}

std::string HttpConnection::head(int status, std::string_view content_type, long content_length,
                                 const HeaderList &extra) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + http_status_text(status) + "\r\n";
    if (!content_type.empty()) h += "Content-Type: " + std::string(content_type) + "\r\n";
    if (content_length >= 0) h += "Content-Length: " + std::to_string(content_length) + "\r\n";
    h += "X-Request-Id: " + req_.request_id + "\r\n";
    h += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto &kv : extra) h += kv.first + ": " + kv.second + "\r\n";
    h += "\r\n";
    return h;
}

void HttpConnection::respond(int status, std::string_view content_type, std::string_view body,
                             const HeaderList &extra) {
    if (responded_ || closing_) return;
    responded_ = true;
    status_ = status;
    std::string out = head(status, content_type, static_cast<long>(body.size()), extra);
    if (req_.method != HTTP_HEAD) out += body;
    write_raw(std::move(out), true);
}

void HttpConnection::respond_error(const ApiError &e, const HeaderList &extra) {
    respond(e.status, "application/json", api_error_json(e), extra);
}

void HttpConnection::stream_begin(int status, std::string_view content_type) {
    if (responded_ || closing_) return;
    responded_ = streaming_ = true;
    status_ = status;
    // HTTP/1.0 has no chunked coding: such a stream ends by closing.
    chunked_ = parser_.http_major == 1 && parser_.http_minor >= 1;
    if (!chunked_) keep_alive_ = false;
    HeaderList extra = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    if (chunked_) extra.emplace_back("Transfer-Encoding", "chunked");
    write_raw(head(status, content_type, -1, extra), false);
}

void HttpConnection::stream_write(std::string_view data) {
    if (!streaming_ || closing_ || response_done_ || data.empty()) return;
    if (!chunked_) {
        write_raw(std::string(data), false);
        return;
    }
    char size[24];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string chunk = size;
    chunk.append(data);
    chunk += "\r\n";
    write_raw(std::move(chunk), false);
}

void HttpConnection::stream_heartbeat(uint32_t ms, std::string text) {
    heartbeat_ = std::move(text);
    uv_timer_start(&timer_, [](uv_timer_t *t) { static_cast<HttpConnection *>(t->data)->on_timer(); }, ms, ms);
}

void HttpConnection::stream_end() {
    if (!streaming_ || closing_ || response_done_) return;
    write_raw(chunked_ ? "0\r\n\r\n" : "", true);
}

void HttpConnection::write_raw(std::string data, bool last) {
    if (closing_) return;
    if (last) response_done_ = true;
    auto *w = new WriteReq{uv_write_t{}, std::move(data), this, last};
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    writes_pending_++;
    int rc = uv_write(&w->req, stream(), &buf, 1, [](uv_write_t *r, int status) {
        auto *w = reinterpret_cast<WriteReq *>(r);
        HttpConnection *c = w->conn;
        bool last = w->last;
        delete w;
        c->on_write_done(last, status);
    });
    if (rc != 0) {
        delete w;
        writes_pending_--;
        close();
    }
}

void HttpConnection::on_write_done(bool last, int status) {
    writes_pending_--;
    if (status != 0) {  // the client went away while we wrote
        close();
        return;
    }
    if (last && !closing_) response_complete();
}

void HttpConnection::response_complete() {
    uv_timer_stop(&timer_);
    log_access();
    exchange_.reset();
    if (!keep_alive_ || app_.draining) {
        // Lingering close: send FIN, then drain what the client still sends
        // so that our answer is not lost to a reset.
        phase_ = Phase::Closing;
        auto *sr = new uv_shutdown_t;
        sr->data = this;
        if (uv_shutdown(sr, stream(), [](uv_shutdown_t *r, int) { delete r; }) != 0)
            delete sr;
        start_reading();
        arm_timer(1000);
        return;
    }
    next_request();
}

void HttpConnection::next_request() {
    http_parser_pause(&parser_, 0);
    phase_ = Phase::Idle;
    responded_ = streaming_ = chunked_ = response_done_ = rejected_ = false;
    status_ = 0;
    header_bytes_ = 0;
    req_ = HttpRequest();
    arm_timer(app_.cfg.idle_timeout_ms);
    start_reading();
    if (!pending_in_.empty()) {
        std::string in;
        in.swap(pending_in_);
        feed(in.data(), in.size());
    }
}

void HttpConnection::close_when_idle() {
    keep_alive_ = false;
    if (phase_ == Phase::Idle) close();
}

void HttpConnection::close() {
    if (closing_) return;
    closing_ = true;
    if (phase_ == Phase::Handling && !response_done_) {
        if (!status_) status_ = 499;  // nginx's "client closed request"
        log_access();
    }
    if (exchange_) {
        exchange_->client_gone();
        retired_ = std::move(exchange_);
    }
    auto on_closed = [](uv_handle_t *h) {
        auto *c = static_cast<HttpConnection *>(h->data);
        if (--c->handles_open_ == 0) delete c;
    };
    uv_close(reinterpret_cast<uv_handle_t *>(stream()), on_closed);
    uv_close(reinterpret_cast<uv_handle_t *>(&timer_), on_closed);
}

void HttpConnection::log_access() {
    if (req_.request_id.empty()) return;
    const RequestStats &s = req_.stats;
    LogLine line("supervisor", "info", "request");
    line.kv("request_id", req_.request_id)
        .kv("method", http_method_str(req_.method))
        .kv("path", req_.path.substr(0, 200))
        .kv("status", status_)
        .kv("duration_ms", static_cast<int64_t>(uv_now(app_.loop) - req_.start_ms))
        .kv("bytes_in", req_.body.size());
    if (!s.model.empty()) line.kv("model", s.model);
    if (s.queue_ms >= 0) line.kv("queue_ms", s.queue_ms);
    if (s.codex_ms >= 0) line.kv("codex_ms", s.codex_ms).kv("exit", s.exit_status);
    if (s.outcome) line.kv("outcome", s.outcome);
    line.emit();
    app_.metrics.request_done(app_.model_names, req_, status_, uv_now(app_.loop));
    req_.request_id.clear();  // one line per request
}
