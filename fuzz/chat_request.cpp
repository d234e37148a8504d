// Eats a POST /v1/chat/completions body: parsing, validation, and the
// translation into the job an executor is sent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/request_to_job.h"
#include "supervisor/api/chat_completions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string body(reinterpret_cast<const char *>(data), size);
    ChatRequest req;
    ApiError err;
    if (!chat_request_parse(body, req, err)) {
        if (err.status < 400 || err.message.empty()) abort();  // every refusal says why
        return 0;
    }
    request_to_job(Conversation{std::nullopt, std::move(req.turns)}, req.spec, req.reasoning_effort,
                   std::move(req.images));
    return 0;
}
