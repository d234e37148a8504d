// Parses one line of `codex exec --json` output into what the executor
// acts on. Pure, so that every event and item type codex emits is covered
// by unit tests.
#pragma once
#include <string>
#include <string_view>

#include "common/ipc_messages.h"

enum class CodexEventKind {
    ThreadStarted,
    TurnStarted,
    TurnCompleted,  // usage is set
    TurnFailed,     // text is codex's error message
    AgentMessage,   // text is the assistant's message
    Reasoning,      // text is a reasoning summary
    Notice,         // an `error` item or top-level `error`: codex says these are not fatal
    ToolActivity,   // a command, patch, MCP call, web search or todo list completed
    ItemProgress,   // item.started / item.updated: nothing final yet
    Unknown,        // valid JSON of a type this build does not know
    Malformed,      // not a JSON object with a string "type"
};

struct CodexEvent {
    CodexEventKind kind = CodexEventKind::Malformed;
    std::string text;
    std::string item_type;
    ipc::UsageMsg usage;
};

CodexEvent codex_event_parse(std::string_view line);
