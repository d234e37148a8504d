#include "supervisor/api/completion_task.h"

#include "supervisor/api/router.h"

CompletionTask::CompletionTask(HttpConnection &c)
    : conn_(&c), body_(c.request().body), names_(api_context(c).model_names) {}

void CompletionTask::fill(CompletionRequest &req, CompletionOptions &&options, Conversation conversation,
                          const char *conversation_param) {
    static_cast<CompletionOptions &>(req) = std::move(options);
    req.conversation = std::move(conversation);
    req.turns_param = conversation_param;
}

void CompletionTask::run() {
    CompletionRequest req;
    ok_ = parse(req, fmt_, err_);
    // The access log names the model of a request read whole, or of an
    // unknown one; not of a request refused before it was all read.
    if (ok_ || err_.status == 404) client_model_ = req.model;
    if (ok_) ok_ = completion_prepare(std::move(req), prepared_, err_);
}

void CompletionTask::done() {
    if (!ok_) {
        conn_->request().stats.model = client_model_;
        return conn_->respond_error(err_);
    }
    completion_start(*conn_, std::move(prepared_), std::move(fmt_));
}
