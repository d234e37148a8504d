// Eats a request's answer fields (tools, tool_choice, response_format / text,
// n: a chat or responses body) and codex's final message, split at the first
// NUL byte: the spec is read as the request would be, then the message
// parsed and checked against it. The first byte's low bit picks the API.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/split_input.h"
#include "supervisor/answer/answer_parse.h"
#include "supervisor/answer/answer_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ApiFlavor api = (data[0] & 1) ? ApiFlavor::Responses : ApiFlavor::Chat;
    auto [request_text, message] = split_input(data + 1, size - 1);
    cJSON *root = cJSON_ParseWithLength(request_text.data(), request_text.size());
    if (!root) return 0;
    AnswerSpec spec;
    ApiError err;
    bool ok = answer_request_parse(root, api, spec, err);
    cJSON_Delete(root);
    if (!ok) return 0;
    AnswerPlan plan = answer_plan(spec);
    Answer answer;
    std::string problem;
    answer_parse(spec, plan.shape, message, answer, problem);
    strip_code_fence(message);
    return 0;
}
