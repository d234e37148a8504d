#include "supervisor/api/completion_exchange.h"

#include <algorithm>

#include "common/log.h"
#include "supervisor/answer/answer_parse.h"
#include "supervisor/codex/codex_login.h"
#include "supervisor/http/http_status.h"
#include "supervisor/api/off_loop.h"
#include "supervisor/api/request_common.h"
#include "supervisor/api/router.h"
#include "supervisor/jobs/scheduler.h"
#include "supervisor/http/sse.h"

namespace {

// Separates two assistant messages of one turn (codex may send several).
constexpr std::string_view kMessageSeparator = "\n\n";
// A retry with less time than this left would only time out.
constexpr uint64_t kMinRetryMs = 1000;

class CompletionExchange final : public Exchange, public JobSink {
public:
    CompletionExchange(HttpConnection &c, std::unique_ptr<AnswerFormat> fmt, bool stream, AnswerSpec spec,
                       AnswerPlan plan, const char *turns_param)
        : conn_(&c),
          fmt_(std::move(fmt)),
          stream_(stream),
          spec_(std::make_shared<const AnswerSpec>(std::move(spec))),
          plan_(std::move(plan)),
          turns_param_(turns_param),
          deadline_ms_(uv_now(c.loop()) + api_context(c).cfg.timeout_ms) {}
    ~CompletionExchange() override { client_gone(); }

    Scheduler::Submit submit(ipc::JobMsg msg);
    void open_stream();

    void client_gone() override {
        if (job_) api_context(*conn_).scheduler.cancel(job_);
        job_ = nullptr;
        check_.cut();
    }
    void job_text_delta(std::string_view t) override;
    void job_message_end(std::string_view rest) override;
    void job_usage(const ipc::UsageMsg &u) override;
    void job_done(const JobResult &r) override;

private:
    bool free_text() const { return plan_.shape == AnswerShape::FreeText; }
    void add_text(std::string_view t);
    void begin_message();
    void first_output();
    void record(const JobResult &r);
    bool retry(const std::string &problem);
    void answer(const Answer &a);
    void fail(const ApiError &e, uint32_t retry_after_s = 0);
    void checked(bool ok, const Answer &a, const std::string &problem);
    friend class AnswerCheck;

    HttpConnection *conn_;
    std::unique_ptr<AnswerFormat> fmt_;
    bool stream_;
    std::shared_ptr<const AnswerSpec> spec_;  // shared with an answer check in flight
    AnswerPlan plan_;
    const char *turns_param_;  // a static string: messages, input
    uint64_t deadline_ms_;     // the request's, every attempt's (job.h)
    ipc::JobMsg msg_;          // kept for the one retry of a checked answer
    int attempts_ = 0;
    Job *job_ = nullptr;
    std::string text_;             // free text: every message; otherwise the last one
    bool in_message_ = false;      // a message's deltas have come, not yet its end
    int messages_ = 0;             // messages ended
    bool output_started_ = false;  // time to first token recorded
    ipc::UsageMsg usage_;          // summed over attempts
    OffLoopWork check_;            // the final answer's check, off the loop
};

// Parsing and checking a final answer of many megabytes against the
// client's schemas takes a while: off the loop, on its own copy of the text.
class AnswerCheck final : public OffLoopTask {
public:
    AnswerCheck(CompletionExchange &ex, std::string text)
        : ex_(&ex), spec_(ex.spec_), shape_(ex.plan_.shape), text_(std::move(text)) {}
    void run() override { ok_ = answer_parse(*spec_, shape_, text_, answer_, problem_); }
    void done() override { ex_->checked(ok_, answer_, problem_); }

private:
    CompletionExchange *ex_;  // in done() only, while the exchange holds this check
    std::shared_ptr<const AnswerSpec> spec_;
    AnswerShape shape_;
    std::string text_;
    Answer answer_;
    std::string problem_;
    bool ok_ = false;
};

Scheduler::Submit CompletionExchange::submit(ipc::JobMsg msg) {
    if (!free_text()) msg_ = msg;  // only a checked answer is ever asked for again
    attempts_++;
    text_.clear();
    messages_ = 0;
    in_message_ = false;
    Job *job = nullptr;
    Scheduler::Submit s = api_context(*conn_).scheduler.submit(this, std::move(msg), deadline_ms_, &job);
    if (s == Scheduler::Submit::Accepted) job_ = job;
    return s;
}

void CompletionExchange::open_stream() {
    conn_->stream_begin(200, "text/event-stream; charset=utf-8");
    conn_->stream_write(fmt_->stream_open());
    conn_->stream_heartbeat(api_context(*conn_).cfg.sse_keepalive_ms, sse_comment("keep-alive"));
}

void CompletionExchange::add_text(std::string_view t) {
    text_.append(t);
    if (stream_ && free_text() && !t.empty()) {
        first_output();
        conn_->stream_write(fmt_->stream_text(t));
    }
}

void CompletionExchange::first_output() {
    if (output_started_) return;
    output_started_ = true;
    ApiContext &api = api_context(*conn_);
    const HttpRequest &r = conn_->request();
    api.metrics.first_token(api.model_names, r.stats.model,
                            static_cast<double>(uv_now(api.loop) - r.start_ms) / 1000.0);
}

// Free text is every message, separated; a checked answer is the last one.
void CompletionExchange::begin_message() {
    if (in_message_) return;
    in_message_ = true;
    if (messages_ == 0) return;
    if (free_text()) add_text(kMessageSeparator);
    else text_.clear();
}

void CompletionExchange::job_text_delta(std::string_view t) {
    begin_message();
    add_text(t);
}

void CompletionExchange::job_message_end(std::string_view rest) {
    begin_message();
    add_text(rest);
    in_message_ = false;
    messages_++;
}

void CompletionExchange::job_usage(const ipc::UsageMsg &u) {
    usage_.input_tokens += u.input_tokens;
    usage_.cached_input_tokens += u.cached_input_tokens;
    usage_.output_tokens += u.output_tokens;
    usage_.reasoning_tokens += u.reasoning_tokens;
}

void CompletionExchange::record(const JobResult &r) {
    RequestStats &st = conn_->request().stats;
    st.queue_ms = std::max<int64_t>(st.queue_ms, 0) + r.queue_ms;
    if (r.kind == JobResult::Kind::Finished) {
        st.codex_ms = std::max<int64_t>(st.codex_ms, 0) + r.done.backend_ms;
        st.exit_status = r.done.exit_status;
        st.outcome = ipc::outcome_name(r.done.outcome);
    } else {
        st.outcome = r.kind == JobResult::Kind::ExecutorLost   ? "executor_lost"
                     : r.kind == JobResult::Kind::ShuttingDown ? "shutting_down"
                                                               : "queue_timeout";
    }
}

// Asks codex once more, naming what was wrong; false when that cannot be.
bool CompletionExchange::retry(const std::string &problem) {
    LogLine("supervisor", "warn", "the model's answer failed its checks")
        .kv("request_id", conn_->request().request_id)
        .kv("attempt", attempts_)
        .kv("problem", problem.substr(0, 300))
        .emit();
    // The retry runs within what is left of the request's time.
    if (attempts_ >= 2 || ms_left(deadline_ms_, uv_now(conn_->loop())) <= kMinRetryMs) return false;
    ipc::JobMsg again = msg_;
    again.prompt = prompt_for_retry(again.prompt, problem);
    return submit(std::move(again)) == Scheduler::Submit::Accepted;
}

void CompletionExchange::job_done(const JobResult &r) {
    job_ = nullptr;
    record(r);
    if (r.kind != JobResult::Kind::Finished || r.done.outcome != ipc::Outcome::Ok) {
        fail(completion_error(r, api_context(*conn_).cfg.timeout_ms, turns_param_),
             r.kind == JobResult::Kind::Finished ? r.done.retry_after_s : 0);
        return;
    }
    check_.start(conn_->loop(), std::make_unique<AnswerCheck>(*this, std::move(text_)));
}

void CompletionExchange::checked(bool ok, const Answer &a, const std::string &problem) {
    if (ok) {
        answer(a);
        return;
    }
    if (retry(problem)) return;
    ApiError e;
    e.status = 502, e.type = "server_error", e.code = "invalid_model_output";
    e.message =
        "The model's answer did not have the shape the request asked for, twice (" + problem.substr(0, 200) + ").";
    fail(e);
}

void CompletionExchange::answer(const Answer &a) {
    HttpConnection *c = conn_;  // the calls below may end this exchange
    conn_->request().stats.outcome = "ok";
    first_output();
    ApiContext &api = api_context(*conn_);
    api.metrics.token_usage(api.model_names, conn_->request().stats.model, usage_.input_tokens, usage_.output_tokens);
    fmt_->completed(a);
    if (stream_) {
        std::string out = free_text() ? "" : fmt_->stream_answer(a);
        c->stream_write(out + fmt_->stream_close(a, usage_));
        c->stream_end();
    } else {
        c->respond(200, "application/json", fmt_->whole(a, usage_));
    }
}

// A stream has sent its 200 already: the error is its last event, and a
// Retry-After can only be in the message.
void CompletionExchange::fail(const ApiError &e, uint32_t retry_after_s) {
    HttpConnection *c = conn_;
    if (stream_) {
        c->stream_write(fmt_->stream_fail(e));
        c->stream_end();
    } else if (retry_after_s) {
        c->respond_error(e, {{"Retry-After", std::to_string(retry_after_s)}});
    } else {
        c->respond_error(e);
    }
}

}  // namespace

ApiError completion_error(const JobResult &r, uint32_t timeout_ms, const char *turns_param) {
    ApiError e;
    e.type = "server_error";
    switch (r.kind) {
    case JobResult::Kind::ExecutorLost:
        e.status = 502, e.code = "executor_lost";
        e.message = "The executor running this request stopped unexpectedly; the request can be retried.";
        return e;
    case JobResult::Kind::ShuttingDown:
        e.status = 503, e.code = "shutting_down";
        e.message = "The proxy is shutting down; the request can be retried.";
        return e;
    case JobResult::Kind::QueueTimeout:
        e.status = 504, e.code = "timeout";
        e.message = "No executor became free within " + std::to_string(timeout_ms) + " ms.";
        return e;
    case JobResult::Kind::Finished: break;
    }
    switch (r.done.outcome) {
    case ipc::Outcome::Timeout:
        e.status = 504, e.code = "timeout";
        e.message = "Codex did not answer within " + std::to_string(timeout_ms) + " ms.";
        break;
    case ipc::Outcome::ModelFailed:
        e.status = 502, e.code = "upstream_error";
        e.message = "The model provider failed the request; see the proxy log for details.";
        break;
    case ipc::Outcome::SpawnFailed:
        e.status = 503, e.code = "codex_unavailable";
        e.message = "Codex could not be started; see the proxy log for details.";
        break;
    case ipc::Outcome::RateLimited:
        e.status = 429, e.type = "rate_limit_error", e.code = "rate_limit_exceeded";
        e.message = "The Codex account's usage limit or its model provider's rate limit was reached; " +
                    (r.done.retry_after_s ? "try again in " + std::to_string(r.done.retry_after_s) + " seconds."
                                          : std::string("try again later."));
        break;
    case ipc::Outcome::Unauthorized:
        e = codex_login_required_error();
        e.message =
            "The model provider refused Codex's login (expired or revoked). As the proxy's run user, run "
            "`codex login` (on a headless host `codex login --device-auth`) with the CODEX_HOME the proxy "
            "reads; the next request picks the login up, no restart needed.";
        break;
    case ipc::Outcome::ContextWindowExceeded:
        e = api_error_invalid(
            "This model's maximum context length was exceeded: the conversation does not fit its "
            "context window. Shorten the messages or the input and try again.",
            turns_param, "context_length_exceeded");
        break;
    case ipc::Outcome::ProviderFailed:
        e.status = 502, e.code = "upstream_error";
        e.message = r.done.provider_status
                        ? "The model provider answered HTTP " + std::to_string(r.done.provider_status) + " (" +
                              http_status_text(r.done.provider_status) + "); the request can be retried."
                        : std::string("The model provider failed the request; the request can be retried.");
        break;
    default:
        e.status = 502, e.code = "codex_failed";
        e.message = "Codex failed to answer (exit status " + std::to_string(r.done.exit_status) +
                    "); see the proxy log for details.";
        break;
    }
    return e;
}

// The job, images included, must fit one IPC frame; only a body limit
// raised far above the default can make it not.
static bool check_job_size(const ipc::JobMsg &msg, ApiError &err) {
    size_t n = ipc::encoded_size(msg);
    if (n <= ipc::kMaxPayload) return true;
    err = api_error_for_status(413);
    err.message = "The conversation and its images come to " + std::to_string(n) +
                  " bytes once decoded; codex-proxy hands codex at most " + std::to_string(ipc::kMaxPayload) + ".";
    return false;
}

bool completion_prepare(CompletionRequest req, PreparedCompletion &out, ApiError &err) {
    out.plan = answer_plan(req.spec);
    out.msg.prompt = prompt_assemble(req.conversation, out.plan.instructions);
    out.msg.model = std::move(req.codex_model);
    out.msg.output_schema = out.plan.output_schema;
    out.msg.images = std::move(req.images);
    out.msg.reasoning_effort = std::move(req.reasoning_effort);
    out.client_model = std::move(req.model);
    out.stream = req.stream;
    out.turns_param = req.turns_param;
    out.spec = std::move(req.spec);
    return check_prompt_not_blank(out.msg.prompt, req.turns_param, err) &&
           check_prompt_size(out.msg.prompt, req.turns_param, err) && check_job_size(out.msg, err);
}

void completion_start(HttpConnection &c, PreparedCompletion p, std::unique_ptr<AnswerFormat> fmt) {
    ApiContext &api = api_context(c);
    c.request().stats.model = p.client_model;
    // Without a login codex would retry its provider for ~30 s and fail.
    if (codex_login_missing(api.codex_home, api.private_home.dir, api.cfg.pass_env)) {
        c.respond_error(codex_login_required_error());
        return;
    }
    auto ex =
        std::make_unique<CompletionExchange>(c, std::move(fmt), p.stream, std::move(p.spec), p.plan, p.turns_param);
    switch (ex->submit(std::move(p.msg))) {
    case Scheduler::Submit::QueueFull: c.respond_error(api_error_for_status(429), {{"Retry-After", "1"}}); return;
    case Scheduler::Submit::ShuttingDown: c.respond_error(api_error_for_status(503)); return;
    case Scheduler::Submit::Accepted: break;
    }
    CompletionExchange *raw = ex.get();
    c.set_exchange(std::move(ex));
    if (p.stream) raw->open_stream();
}
