// One answered completion request, whichever API asked: submits the job,
// turns its backend-neutral events into that API's wire format through an
// AnswerFormat, whole or as Server-Sent Events, and maps failures to the
// OpenAI error shape.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/http_connection.h"
#include "supervisor/job.h"
#include "supervisor/openai_error.h"
#include "supervisor/prompt.h"

// One API's wire format for an answer (Chat Completions, Responses).
class AnswerFormat {
public:
    virtual ~AnswerFormat() = default;
    virtual std::string stream_open() = 0;
    virtual std::string stream_text(std::string_view delta) = 0;
    virtual std::string stream_close(const ipc::UsageMsg &u) = 0;
    virtual std::string stream_fail(const ApiError &e) = 0;
    virtual std::string whole(const std::string &text, const ipc::UsageMsg &u) = 0;
    // The answer is complete and good (before it is written out).
    virtual void completed(const std::string &) {}
};

struct CompletionRequest {
    std::vector<Turn> turns;
    const char *turns_param = "";  // names the conversation in errors: messages, input
    std::string client_model;      // echoed back
    std::string reasoning_effort;  // validated by request_common
    bool stream = false;
};

// Renders the conversation for codex and starts its job on c; answers at
// once when the prompt is too long or the job cannot be queued.
void completion_start(HttpConnection &c, CompletionRequest req, std::unique_ptr<AnswerFormat> fmt);

// The error a failed job becomes, for both whole and streamed answers.
ApiError completion_error(const JobResult &r, uint32_t timeout_ms);
