// One answered completion request, whichever API asked: submits the job,
// turns its backend-neutral events into an Answer and that into the API's
// wire format through an AnswerFormat, whole or as Server-Sent Events, and
// maps failures to the OpenAI error shape.
//
// A free-text answer streams as codex produces it. Any other (tools, JSON,
// n > 1) is read from codex's final message and checked (answer_parse.h)
// before a byte of it is sent; a reply that fails the checks is asked for
// once more with the problem named, and a second failure is a 502
// `invalid_model_output`. The retry has a timeout of its own.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer/answer.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/jobs/job.h"
#include "supervisor/base/openai_error.h"
#include "supervisor/codex/prompt.h"

// One API's wire format for an answer (Chat Completions, Responses).
class AnswerFormat {
public:
    virtual ~AnswerFormat() = default;
    virtual std::string stream_open() = 0;
    // Free text as it comes (free-text answers only).
    virtual std::string stream_text(std::string_view delta) = 0;
    // A whole checked answer (every other answer), before stream_close.
    virtual std::string stream_answer(const Answer &a) = 0;
    virtual std::string stream_close(const Answer &a, const ipc::UsageMsg &u) = 0;
    virtual std::string stream_fail(const ApiError &e) = 0;
    virtual std::string whole(const Answer &a, const ipc::UsageMsg &u) = 0;
    // The answer is complete and good (before it is written out).
    virtual void completed(const Answer &) {}
};

struct CompletionRequest {
    std::vector<Turn> turns;
    const char *turns_param = "";  // names the conversation in errors: messages, input
    std::string client_model;      // echoed back
    std::string reasoning_effort;  // validated by request_common
    bool stream = false;
    AnswerSpec spec;
    std::vector<ipc::ImageFile> images;
};

// A request made ready for codex: the conversation rendered, its size
// checked. Made off the loop (off_loop.h): it reads nothing but req.
struct PreparedCompletion {
    ipc::JobMsg msg;  // prompt, output schema, images, reasoning effort
    std::string client_model;
    bool stream = false;
    const char *turns_param = "";  // as in CompletionRequest
    AnswerSpec spec;
    AnswerPlan plan;
};
bool completion_prepare(CompletionRequest req, PreparedCompletion &out, ApiError &err);

// Starts the prepared job on c (on the loop); answers at once when the
// model is unknown or the job cannot be queued.
void completion_start(HttpConnection &c, PreparedCompletion p, std::unique_ptr<AnswerFormat> fmt);

// The error a failed job becomes, for both whole and streamed answers;
// turns_param names the conversation (messages, input) in a 400. A
// RateLimited job's retry_after_s goes in a Retry-After header (whole answers).
ApiError completion_error(const JobResult &r, uint32_t timeout_ms, const char *turns_param = "");
