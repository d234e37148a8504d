#include "supervisor/completion_exchange.h"

#include "supervisor/app.h"
#include "supervisor/request_common.h"
#include "supervisor/scheduler.h"
#include "supervisor/sse.h"

namespace {

// Separates two assistant messages of one turn (codex may send several).
constexpr std::string_view kMessageSeparator = "\n\n";

class CompletionExchange final : public Exchange, public JobSink {
public:
    CompletionExchange(HttpConnection &c, std::unique_ptr<AnswerFormat> fmt, bool stream)
        : conn_(&c), fmt_(std::move(fmt)), stream_(stream) {}
    ~CompletionExchange() override { client_gone(); }

    void attach(Job *job) { job_ = job; }
    void open_stream();

    void client_gone() override {
        if (job_) conn_->app().scheduler->cancel(job_);
        job_ = nullptr;
    }
    void job_text_delta(std::string_view t) override;
    void job_message(std::string_view t) override;
    void job_usage(const ipc::UsageMsg &u) override { usage_ = u; }
    void job_done(const JobResult &r) override;

private:
    void add_text(std::string_view t);

    HttpConnection *conn_;
    std::unique_ptr<AnswerFormat> fmt_;
    bool stream_;
    Job *job_ = nullptr;
    std::string text_;
    bool deltas_in_message_ = false;  // this message already went out as deltas
    int messages_ = 0;
    ipc::UsageMsg usage_;
};

void CompletionExchange::open_stream() {
    conn_->stream_begin(200, "text/event-stream; charset=utf-8");
    conn_->stream_write(fmt_->stream_open());
    conn_->stream_heartbeat(conn_->app().cfg.sse_keepalive_ms, sse_comment("keep-alive"));
}

void CompletionExchange::add_text(std::string_view t) {
    text_.append(t);
    if (stream_ && !t.empty()) conn_->stream_write(fmt_->stream_text(t));
}

void CompletionExchange::job_text_delta(std::string_view t) {
    if (!deltas_in_message_ && messages_ > 0) add_text(kMessageSeparator);
    deltas_in_message_ = true;
    add_text(t);
}

void CompletionExchange::job_message(std::string_view t) {
    if (!deltas_in_message_) {
        if (messages_ > 0) add_text(kMessageSeparator);
        add_text(t);
    }
    deltas_in_message_ = false;
    messages_++;
}

void CompletionExchange::job_done(const JobResult &r) {
    job_ = nullptr;
    RequestStats &st = conn_->request().stats;
    st.queue_ms = r.queue_ms;
    bool ok = r.kind == JobResult::Kind::Finished && r.done.outcome == ipc::Outcome::Ok;
    if (r.kind == JobResult::Kind::Finished) {
        st.codex_ms = r.done.backend_ms;
        st.exit_status = r.done.exit_status;
        st.outcome = ipc::outcome_name(r.done.outcome);
    } else {
        st.outcome = r.kind == JobResult::Kind::ExecutorLost ? "executor_lost"
                     : r.kind == JobResult::Kind::ShuttingDown ? "shutting_down" : "queue_timeout";
    }
    HttpConnection *c = conn_;  // the calls below may end this exchange
    if (ok) fmt_->completed(text_);
    if (ok && stream_) {
        c->stream_write(fmt_->stream_close(usage_));
        c->stream_end();
    } else if (ok) {
        c->respond(200, "application/json", fmt_->whole(text_, usage_));
    } else if (stream_) {
        c->stream_write(fmt_->stream_fail(completion_error(r, c->app().cfg.timeout_ms)));
        c->stream_end();
    } else {
        c->respond_error(completion_error(r, c->app().cfg.timeout_ms));
    }
}

}  // namespace

ApiError completion_error(const JobResult &r, uint32_t timeout_ms) {
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
    default:
        e.status = 502, e.code = "codex_failed";
        e.message = "Codex failed to answer (exit status " + std::to_string(r.done.exit_status) +
                    "); see the proxy log for details.";
        break;
    }
    return e;
}

void completion_start(HttpConnection &c, CompletionRequest req, std::unique_ptr<AnswerFormat> fmt) {
    App &app = c.app();
    c.request().stats.model = req.client_model;
    ipc::JobMsg msg;
    msg.prompt = prompt_from_turns(req.turns);
    ApiError err;
    if (!check_prompt_size(msg.prompt, req.turns_param, err)) {
        c.respond_error(err);
        return;
    }
    if (!model_names_resolve(app.model_names, req.client_model, msg.model)) {
        c.respond_error(api_error_model_not_found(req.client_model));
        return;
    }
    msg.reasoning_effort = req.reasoning_effort;
    auto ex = std::make_unique<CompletionExchange>(c, std::move(fmt), req.stream);
    msg.timeout_ms = app.cfg.timeout_ms;
    Job *job = nullptr;
    switch (app.scheduler->submit(ex.get(), std::move(msg), &job)) {
    case Scheduler::Submit::QueueFull:
        c.respond_error(api_error_for_status(429), {{"Retry-After", "1"}});
        return;
    case Scheduler::Submit::ShuttingDown:
        c.respond_error(api_error_for_status(503));
        return;
    case Scheduler::Submit::Accepted: break;
    }
    ex->attach(job);
    CompletionExchange *raw = ex.get();
    c.set_exchange(std::move(ex));
    if (req.stream) raw->open_stream();
}
