// An answer as the client will see it: one or more choices, each text
// and/or tool calls. Built from codex's final message by answer_parse, and
// written out by each API's AnswerFormat.
#pragma once
#include <cjson/cJSON.h>

#include <string>
#include <vector>

struct ToolCall {
    std::string call_id;  // call_…: what the client answers with its result
    std::string name;
    std::string arguments;  // a JSON object text satisfying the tool's parameters
};

struct Choice {
    bool has_content = true;  // false: content is null (a turn that only calls tools)
    std::string content;
    std::vector<ToolCall> calls;
};

struct Answer {
    std::vector<Choice> choices;
};

// A call in chat's tool_calls shape ({id, type:"function", function:{name,
// arguments}}): what chat answers carry and what transcripts show.
cJSON *tool_call_json(const ToolCall &call);
