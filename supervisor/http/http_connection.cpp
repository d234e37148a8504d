#include "supervisor/http/http_connection.h"

#include <sodium.h>

#include <cstring>

#include "common/log.h"
#include "supervisor/base/random_id.h"
#include "supervisor/http/http_status.h"
#include "supervisor/http/request_id.h"

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

// The key a client is counted under for the per-peer limit: its IPv4
// address, or the /64 of an IPv6 one (the least a single host is given).
std::string peer_key(uv_tcp_t *tcp) {
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr *>(&ss), &len) != 0) return "?";
    // Built by append, not "4" + std::string(...): GCC 12 -O3 warns falsely
    // on the latter (-Wrestrict, PR105329).
    std::string key;
    if (ss.ss_family == AF_INET) {
        const auto *a = reinterpret_cast<const sockaddr_in *>(&ss);
        key.append(1, '4').append(reinterpret_cast<const char *>(&a->sin_addr), 4);
    } else if (ss.ss_family == AF_INET6) {
        const auto *a6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
        const char *b = reinterpret_cast<const char *>(a6->sin6_addr.s6_addr);
        if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) key.append(1, '4').append(b + 12, 4);
        else key.append(1, '6').append(b, 8);
    } else {
        key = "?";
    }
    return key;
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
        if (c.header_bytes_ <= c.server_.cfg->max_header_bytes) return true;
        c.reject(api_error_for_status(431));
        return false;
    }
    static int message_begin(http_parser *p) {
        HttpConnection &k = c(p);
        k.phase_ = HttpConnection::Phase::Headers;
        k.req_.wipe_credentials();
        k.req_ = HttpRequest();
        k.req_.start_ms = uv_now(k.server_.loop);
        k.arm_timer(k.server_.cfg->header_timeout_ms);
        return 0;
    }
    static int url(http_parser *p, const char *at, size_t n) {
        c(p).req_.target.append(at, n);
        return grow(c(p), n) ? 0 : -1;
    }
    static int header_field(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        if (k.phase_ == HttpConnection::Phase::Body) return grow(k, n) ? 0 : -1;  // a trailer: not kept
        if (k.in_value_) k.finish_header();
        k.field_.append(at, n);
        return grow(k, n) ? 0 : -1;
    }
    static int header_value(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        if (k.phase_ == HttpConnection::Phase::Body) return grow(k, n) ? 0 : -1;
        k.in_value_ = true;
        append_wiping(k.value_, at, n);  // may hold a key: no stale copy when it grows
        return grow(k, n) ? 0 : -1;
    }
    static int headers_complete(http_parser *p) {
        HttpConnection &k = c(p);
        if (k.in_value_) k.finish_header();
        return k.validate_headers() ? 0 : -1;
    }
    static int body(http_parser *p, const char *at, size_t n) {
        HttpConnection &k = c(p);
        if (k.req_.body.size() + n > k.server_.cfg->max_body_bytes) {
            k.reject(api_error_for_status(413));
            return -1;
        }
        k.req_.body.append(at, n);
        return 0;
    }
    // A chunk that cannot fit is refused when announced, not after the body
    // timeout; http-parser holds the chunk's size in content_length here.
    static int chunk_header(http_parser *p) {
        HttpConnection &k = c(p);
        if (p->content_length > k.server_.cfg->max_body_bytes - k.req_.body.size()) {
            k.reject(api_error_for_status(413));
            return -1;
        }
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

const http_parser_settings HttpCallbacks::settings = {HttpCallbacks::message_begin,
                                                      HttpCallbacks::url,
                                                      nullptr,
                                                      HttpCallbacks::header_field,
                                                      HttpCallbacks::header_value,
                                                      HttpCallbacks::headers_complete,
                                                      HttpCallbacks::body,
                                                      HttpCallbacks::message_complete,
                                                      HttpCallbacks::chunk_header,
                                                      nullptr};

HttpConnection::HttpConnection(HttpServer &server) : server_(server) {
    if (server.is_unix) uv_pipe_init(server.loop, &sock_.pipe, 0);
    else uv_tcp_init(server.loop, &sock_.tcp);
    uv_timer_init(server.loop, &timer_);
    uv_timer_init(server.loop, &write_timer_);
    stream()->data = this;
    timer_.data = this;
    write_timer_.data = this;
    handles_open_ = 3;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    server.connections.insert(this);
}

HttpConnection::~HttpConnection() { server_.connections.erase(this); }

void HttpConnection::accept_from(HttpServer &server, uv_stream_t *listener) {
    auto *c = new HttpConnection(server);
    if (uv_accept(listener, c->stream()) != 0 || server.draining) {
        c->close();
        return;
    }
    if (!server.is_unix) {
        uv_tcp_nodelay(&c->sock_.tcp, 1);
        c->peer_ = peer_key(&c->sock_.tcp);
    }
    bool too_many = server.connections.size() > server.cfg->max_connections;
    if (too_many || c->over_peer_limit()) {
        // Say why, then close without reading a request: a bare close would
        // reach a client that already sent bytes as a reset.
        ApiError e = api_error_for_status(503);
        e.code = "too_many_connections";
        e.message = too_many ? "The proxy has too many open connections; try again shortly."
                             : "This client has too many open connections to the proxy; close some first.";
        c->req_.path.assign(1, '-');  // not = "-": GCC 12 -O3 warns falsely (-Wrestrict, PR105329)
        c->reject(e);
        return;
    }
    c->arm_timer(server.cfg->header_timeout_ms);
    c->start_reading();
}

// One address may hold at most max_connections_per_peer connections, so
// that a single client cannot take every connection the proxy allows. Unix
// socket peers are not counted: file permissions decide who connects there.
bool HttpConnection::over_peer_limit() const {
    uint32_t limit = server_.cfg->max_connections_per_peer;
    if (peer_.empty() || limit == 0) return false;
    uint32_t n = 0;
    for (const HttpConnection *o : server_.connections) n += o->peer_ == peer_;  // this one included
    return n > limit;
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
    if (nread < 0) {
        // A half-close while a finished answer's tail is still being written
        // is a client that sent all it will, not one that left: the tail is
        // delivered, then the connection closes. Otherwise the client is gone.
        if (nread == UV_EOF && phase_ == Phase::Handling && response_done_) {
            keep_alive_ = false;
            uv_read_stop(stream());
            reading_ = false;
            return;
        }
        close();
        return;
    }
    size_t n = static_cast<size_t>(nread);
    // The read scratch may hold a key: wiped once its bytes are consumed.
    char *scratch = const_cast<char *>(data);
    if (phase_ == Phase::Closing) {  // lingering: discard
        sodium_memzero(scratch, n);
        return;
    }
    if (phase_ == Phase::Handling) {
        // Past kMaxPendingInput of pipelined bytes the rest is discarded and
        // the connection closes after this answer; reading goes on, so that
        // a client that leaves is still noticed and its job cancelled (a
        // stopped read would hold an executor for the job's whole time).
        if (keep_alive_ && pending_in_.size() + n <= kMaxPendingInput) {
            append_wiping(pending_in_, data, n);
        } else if (keep_alive_) {
            keep_alive_ = false;
            wipe_string(pending_in_);
        }
        sodium_memzero(scratch, n);
        return;
    }
    feed(data, n);
    sodium_memzero(scratch, n);
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
    wipe_string(value_);  // a short value stays in the moved-from string's own buffer
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
        reject(api_error_invalid("Conflicting or repeated Content-Length / Transfer-Encoding headers.", "",
                                 "bad_request"));
        return false;
    }
    if (te && !ieq(trim(te_value), "chunked")) {
        ApiError e = api_error_for_status(501);
        e.message = "Only the chunked transfer coding is supported.";
        reject(e);
        return false;
    }
    if (cl && parser_.content_length > server_.cfg->max_body_bytes) {
        reject(api_error_for_status(413));
        return false;
    }
    return true;
}

// RFC 9112 §2.3: a 1.x server answers a major version it does not speak,
// or a minor one it does not know, with 505.
// RFC 9112 §5.1: whitespace before a field's colon (or any non-token byte in
// its name) is a 400, never a name to trim: http-parser honours
// "Transfer-Encoding :" while a plain string comparison would not count it.
// RFC 9112 §3.2: more than one Host is a 400; more than one Authorization
// would make which key counts a matter of who reads first.
bool HttpConnection::validate_fields() {
    if (parser_.http_major != 1 || parser_.http_minor > 1) {
        ApiError e = api_error_invalid("Only HTTP/1.0 and HTTP/1.1 are supported.", "", "http_version_not_supported");
        e.status = 505;
        reject(e);
        return false;
    }
    for (const auto &h : req_.headers) {
        if (!http_token_valid(h.first)) {
            reject(api_error_invalid("Malformed header field name (no whitespace is allowed before the colon).", "",
                                     "bad_request"));
            return false;
        }
    }
    if (req_.header_count("host") > 1 || req_.header_count("authorization") > 1) {
        reject(api_error_invalid("Repeated Host or Authorization header.", "", "bad_request"));
        return false;
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
    if (parser_.http_minor == 1 && req_.header_count("host") == 0) {
        reject(api_error_invalid("An HTTP/1.1 request needs a Host header.", "", "bad_request"));
        return false;
    }
    return true;
}

// No protocol but HTTP/1.x is spoken, and nothing follows a request for
// another one but a close: what a client sends after an Upgrade (or a
// CONNECT) is not HTTP. A WebSocket to /v1/realtime is OpenAI's Realtime API,
// which this proxy does not implement (501); any other Upgrade is a 400.
bool HttpConnection::refuse_upgrade() {
    const std::string *up = req_.header("upgrade");
    if (!up && !parser_.upgrade) return true;
    if (up && ieq(trim(*up), "websocket") &&
        (req_.path == "/v1/realtime" || req_.path.rfind("/v1/realtime/", 0) == 0)) {
        ApiError e = api_error_for_status(501);
        e.message = "The Realtime API (WebSocket) is not implemented by codex-proxy.";
        reject(e);
        return false;
    }
    reject(api_error_invalid("Protocol upgrades (Upgrade, CONNECT) are not supported.", "", "bad_request"));
    return false;
}

// Checks that http-parser leaves to its embedder, before any body is read.
bool HttpConnection::validate_headers() {
    if (!validate_fields() || !validate_framing()) return false;
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
    if (!refuse_upgrade()) return false;
    const std::string *rid = req_.header("x-request-id");
    req_.request_id = (rid && request_id_acceptable(*rid)) ? *rid : random_id("req_");
    keep_alive_ = http_should_keep_alive(&parser_) && !server_.draining;
    ApiError early;
    if (!server_.handler->precheck(*this, early)) {  // auth before a large body is read
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
    arm_timer(server_.cfg->body_timeout_ms);
    return true;
}

// A request that cannot be served: answer it and close the connection,
// since what follows in the stream can no longer be trusted.
void HttpConnection::reject(const ApiError &e) {
    if (rejected_) return;
    rejected_ = true;
    keep_alive_ = false;
    uv_timer_stop(&timer_);  // a header or body limit must not fire while the answer is written
    wipe_credentials();
    if (req_.request_id.empty()) req_.request_id = random_id("req_");
    if (!req_.start_ms) req_.start_ms = uv_now(server_.loop);
    phase_ = Phase::Handling;
    respond_error(e);
}

void HttpConnection::dispatch() {
    uv_timer_stop(&timer_);
    server_.handler->on_request(*this);
    // Handlers read the key synchronously; nothing needs it after.
    wipe_credentials();
}

void HttpConnection::wipe_credentials() {
    req_.wipe_credentials();
    wipe_string(value_);
}

void HttpConnection::arm_timer(uint32_t ms) {
    uv_timer_start(
        &timer_, [](uv_timer_t *t) { static_cast<HttpConnection *>(t->data)->on_timer(); }, ms, 0);
}

// Which limit this is depends on the phase. While a request is handled the
// only timer is the stream's keep-alive, and it stops when the stream ends:
// an answer whose tail is still being written is never cut by it (only the
// write timeout ends a client that stopped reading).
void HttpConnection::on_timer() {
    switch (phase_) {
    case Phase::Handling:
        if (streaming_ && !response_done_) stream_write(heartbeat_);
        else uv_timer_stop(&timer_);
        break;
    case Phase::Headers:
    case Phase::Body:
        LogLine("supervisor", "warn", "slow client cut off")
            .kv("phase", phase_ == Phase::Headers ? "headers" : "body")
            .emit();
        reject(api_error_for_status(408));
        break;
    case Phase::Idle:
    case Phase::Closing:
        close();  // idle keep-alive expired, or a lingering close is over
        break;
    }
}

// Every write timeout while bytes wait: if none of them left since the last
// look, the client has read nothing for that long.
void HttpConnection::on_write_timer() {
    size_t waiting = uv_stream_get_write_queue_size(stream());
    size_t written = bytes_queued_ - waiting;
    if (waiting == 0 || written != write_mark_) {
        write_mark_ = written;
        return;
    }
    LogLine("supervisor", "warn", "client stopped reading; connection closed")
        .kv("request_id", req_.request_id)
        .kv("unsent_bytes", waiting)
        .kv("write_timeout_ms", server_.cfg->write_timeout_ms)
        .emit();
    close("write_timeout");
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
    uv_timer_start(
        &timer_, [](uv_timer_t *t) { static_cast<HttpConnection *>(t->data)->on_timer(); }, ms, ms);
}

void HttpConnection::stream_end() {
    if (!streaming_ || closing_ || response_done_) return;
    write_raw(chunked_ ? "0\r\n\r\n" : "", true);
}

void HttpConnection::write_raw(std::string data, bool last) {
    if (closing_) return;
    if (last) {
        response_done_ = true;
        if (streaming_) uv_timer_stop(&timer_);  // no keep-alive after the end
    }
    auto *w = new WriteReq{uv_write_t{}, std::move(data), this, last};
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    if (writes_pending_++ == 0) {
        write_mark_ = bytes_queued_;
        uint32_t ms = server_.cfg->write_timeout_ms;
        uv_timer_start(
            &write_timer_, [](uv_timer_t *t) { static_cast<HttpConnection *>(t->data)->on_write_timer(); }, ms, ms);
    }
    bytes_queued_ += w->data.size();
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
    if (--writes_pending_ == 0 && !closing_) uv_timer_stop(&write_timer_);
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
    if (!keep_alive_ || server_.draining) {
        // Lingering close: send FIN, then drain what the client still sends
        // so that our answer is not lost to a reset.
        phase_ = Phase::Closing;
        auto *sr = new uv_shutdown_t;
        sr->data = this;
        if (uv_shutdown(sr, stream(), [](uv_shutdown_t *r, int) { delete r; }) != 0) delete sr;
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
    req_.wipe_credentials();
    req_ = HttpRequest();
    arm_timer(server_.cfg->idle_timeout_ms);
    start_reading();
    if (!pending_in_.empty()) {
        std::string in;
        in.swap(pending_in_);
        feed(in.data(), in.size());
        wipe_string(in);
    }
}

void HttpConnection::close_when_idle() {
    keep_alive_ = false;
    if (phase_ == Phase::Idle) close();
}

// why: the proxy's reason to end the connection; none means the client
// left (or its socket failed). A request whose answer was not delivered
// whole gets its log line here, saying why.
void HttpConnection::close(const char *why) {
    if (closing_) return;
    closing_ = true;
    if (phase_ == Phase::Handling) {
        // A stream ended by the client says 200 in its head, but the client
        // left first: nginx's 499 "client closed request".
        if (!why || !status_) status_ = 499;
        req_.stats.outcome = why ? why : "client_gone";
        log_access();
    }
    wipe_credentials();
    wipe_string(pending_in_);
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
    uv_close(reinterpret_cast<uv_handle_t *>(&write_timer_), on_closed);
}

void HttpConnection::log_access() {
    if (req_.request_id.empty()) return;
    const RequestStats &s = req_.stats;
    LogLine line("supervisor", "info", "request");
    line.kv("request_id", req_.request_id)
        .kv("method", http_method_str(req_.method))
        .kv("path", req_.path.substr(0, 200))
        .kv("status", status_)
        .kv("duration_ms", static_cast<int64_t>(uv_now(server_.loop) - req_.start_ms))
        .kv("bytes_in", req_.body.size());
    if (!s.model.empty()) line.kv("model", s.model);
    if (s.queue_ms >= 0) line.kv("queue_ms", s.queue_ms);
    if (s.codex_ms >= 0) line.kv("codex_ms", s.codex_ms).kv("exit", s.exit_status);
    if (s.outcome) line.kv("outcome", s.outcome);
    line.emit();
    server_.handler->on_answered(req_, status_);
    req_.request_id.clear();  // one line per request
}

void http_server_drain(HttpServer &s) {
    s.draining = true;
    for (HttpConnection *c : std::vector<HttpConnection *>(s.connections.begin(), s.connections.end()))
        c->close_when_idle();
}
