// POST /v1/chat/completions.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/base/openai_error.h"
#include "supervisor/codex/prompt.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/api/request_common.h"

struct ChatRequest : CompletionOptions {
    bool include_usage = false;
    std::vector<Turn> turns;
};

// Parses and validates a request body; on failure fills err (a 400, or the
// 404 of a model names does not resolve).
bool chat_request_parse(const std::string &body, ChatRequest &out, ApiError &err, const ModelNames &names = {});

void handle_chat_completions(HttpConnection &c);
