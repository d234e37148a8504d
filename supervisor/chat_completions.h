// POST /v1/chat/completions.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer_spec.h"
#include "supervisor/http_connection.h"
#include "supervisor/model_names.h"
#include "supervisor/openai_error.h"
#include "supervisor/prompt.h"
#include "supervisor/request_common.h"

struct ChatRequest : CompletionOptions {
    bool include_usage = false;
    std::vector<Turn> turns;
};

// Parses and validates a request body; on failure fills err (a 400, or the
// 404 of a model names does not resolve).
bool chat_request_parse(const std::string &body, ChatRequest &out, ApiError &err, const ModelNames &names = {});

void handle_chat_completions(HttpConnection &c);
