// POST /v1/responses.
#pragma once
#include <string>
#include <vector>

#include "supervisor/http_connection.h"
#include "supervisor/openai_error.h"
#include "supervisor/prompt.h"

struct ResponsesRequest {
    std::string model;
    bool stream = false;
    std::string instructions;
    bool has_instructions = false;
    std::string reasoning_effort;
    std::vector<Turn> turns;
};

bool responses_request_parse(const std::string &body, ResponsesRequest &out, ApiError &err);

void handle_responses(HttpConnection &c);
