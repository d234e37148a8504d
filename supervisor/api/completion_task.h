// The off-loop half of a completion request, shared by the chat and
// responses endpoints: the endpoint parses its body into a
// CompletionRequest and its AnswerFormat (on the threadpool), the request
// is made ready for codex (completion_prepare) and, back on the loop,
// either answered with its error or started (completion_start).
#pragma once
#include <memory>
#include <string>

#include "supervisor/api/completion_exchange.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/api/off_loop.h"
#include "supervisor/base/openai_error.h"

class CompletionTask : public OffLoopTask {
public:
    void run() final;
    void done() final;

protected:
    explicit CompletionTask(HttpConnection &c);
    const std::string &body() const { return body_; }
    // The task's own copy: the loop's may not be read from the threadpool.
    const ModelNames &model_names() const { return names_; }
    // The endpoint's part, on the threadpool: fills req (its model even on
    // failure, once read) and, on success, fmt; or err.
    virtual bool parse(CompletionRequest &req, std::unique_ptr<AnswerFormat> &fmt, ApiError &err) = 0;
    // req from what every endpoint reads, its conversation, and the field
    // that holds the conversation (for errors).
    static void fill(CompletionRequest &req, CompletionOptions &&options, Conversation conversation,
                     const char *conversation_param);

private:
    HttpConnection *conn_;  // used in done() only
    std::string body_;
    ModelNames names_;
    std::string client_model_;  // for the access log
    std::unique_ptr<AnswerFormat> fmt_;
    PreparedCompletion prepared_;
    ApiError err_;
    bool ok_ = false;
};
