// Turns an API conversation into the single prompt codex exec takes: the
// one place a prompt is put together, for every API and for the retry.
//
// Codex takes one user prompt per run, so a multi-turn conversation is
// rendered as a transcript. It is JSON, not tags or headings: the content of
// a turn cannot forge another turn (a user writing "assistant:" stays inside
// its own string), and every role, name and tool call id survives intact.
// A conversation of one plain user turn is sent as that text alone, which
// is what a human would type.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/base/json_value.h"

struct Turn {
    std::string role;  // system, developer, user, assistant, tool
    std::string content;
    std::string name;          // optional participant name
    std::string tool_call_id;  // for role "tool"
    JsonValue tool_calls;      // an assistant turn's calls: an array in chat's tool_calls shape
};

std::string prompt_from_turns(const std::vector<Turn> &turns);

// What codex's one prompt is made of, apart from how to answer.
struct Conversation {
    std::optional<std::string> instructions;  // Responses' "instructions": a system turn before the rest
    std::vector<Turn> turns;
};
// The prompt: the conversation (as prompt_from_turns renders it), then
// answer_rules, how to answer (answer_spec.h's plan; empty for free text).
std::string prompt_assemble(const Conversation &c, std::string_view answer_rules);
// The prompt of the one retry of a checked answer: the first, then what was
// wrong with the reply it got.
std::string prompt_for_retry(std::string_view first, std::string_view problem);

// Codex refuses input over this many characters (and exits without saying
// turn.failed), so the proxy checks first and answers 400.
constexpr size_t kCodexMaxInputChars = 1048576;
size_t utf8_char_count(std::string_view s);
