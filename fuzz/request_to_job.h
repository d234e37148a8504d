// What completion_start does with a parsed request, short of queueing it:
// the prompt, the answer plan and the job message, which must survive the
// trip to the executor unchanged.
#pragma once
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/codex/prompt.h"
#include "supervisor/api/request_common.h"

inline void request_to_job(const std::vector<Turn> &turns, const AnswerSpec &spec, std::string effort,
                           std::vector<ipc::ImageFile> images) {
    AnswerPlan plan = answer_plan(spec);
    ipc::JobMsg msg;
    msg.prompt = prompt_from_turns(turns) + plan.instructions;
    msg.output_schema = plan.output_schema;
    msg.reasoning_effort = std::move(effort);
    msg.images = std::move(images);
    ApiError err;
    if (!check_prompt_size(msg.prompt, "messages", err)) return;
    std::string wire = ipc::encode(msg);
    if (wire.size() != ipc::encoded_size(msg)) abort();
    ipc::JobMsg back;
    if (!ipc::decode(wire, back) || back.prompt != msg.prompt || back.output_schema != msg.output_schema ||
        back.images.size() != msg.images.size())
        abort();
}
