// POST /v1/responses.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/http/http_connection.h"
#include "supervisor/base/openai_error.h"
#include "supervisor/codex/prompt.h"
#include "supervisor/api/response_store.h"
#include "supervisor/codex/model_names.h"
#include "supervisor/api/request_common.h"

struct ResponsesRequest : CompletionOptions {
    std::string instructions;
    bool has_instructions = false;
    bool store = true;
    std::string owner;                             // the tenant (ApiKeys::tenant) whose stored state it may use
    std::vector<Turn> history;                     // the stored conversation previous_response_id names
    std::vector<Turn> input;                       // this request's input, item references resolved
    std::vector<ResponseStore::Item> input_items;  // input items that carry the client's own id
    // Echoed in the response object as sent (JSON texts), as OpenAI does.
    std::string echo_tools = "[]", echo_tool_choice = "\"auto\"", echo_text = "{\"format\":{\"type\":\"text\"}}",
                echo_metadata = "{}";
    // What codex sees: instructions, then history, then input.
    Conversation conversation() const;
};

// store may be null: then item references and previous_response_id are
// unknown ids. owner: the tenant whose stored responses it may name. A
// model names does not resolve is a 404.
bool responses_request_parse(const std::string &body, const ResponseStore *store, ResponsesRequest &out, ApiError &err,
                             const std::string &owner = "", const ModelNames &names = {});

void handle_responses(HttpConnection &c);
