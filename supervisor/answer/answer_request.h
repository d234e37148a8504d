// Reads what a request says about the shape of its answer: function tools,
// tool_choice, parallel_tool_calls, the JSON format, n. The two APIs spell
// them differently (chat nests a tool under "function" and the format under
// "response_format.json_schema"; responses keeps both flat, the format
// under "text.format"), and both land in one AnswerSpec.
#pragma once
#include <cjson/cJSON.h>

#include <cstdint>
#include <vector>

#include "supervisor/answer/answer_spec.h"
#include "supervisor/base/openai_error.h"

enum class ApiFlavor { Chat, Responses };

// The most choices one request may ask for: they all come from one codex
// run, in one answer.
constexpr int kMaxChoices = 16;

// The index of the first tool whose name an earlier tool has, or -1.
// steps counts the names looked at: a set, so n tools cost O(n) steps.
int first_duplicate_tool(const std::vector<ToolSpec> &tools, uint64_t &steps);

bool answer_request_parse(const cJSON *root, ApiFlavor api, AnswerSpec &spec, ApiError &err);
