// POST /v1/chat/completions.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/base/openai_error.h"
#include "supervisor/codex/prompt.h"

struct ChatRequest {
    std::string model;
    bool stream = false;
    bool include_usage = false;
    std::string reasoning_effort;
    std::vector<Turn> turns;
    AnswerSpec spec;
    std::vector<ipc::ImageFile> images;
};

// Parses and validates a request body; on failure fills err (a 400).
bool chat_request_parse(const std::string &body, ChatRequest &out, ApiError &err);

void handle_chat_completions(HttpConnection &c);
