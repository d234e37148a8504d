// Turns an API conversation into the single prompt codex exec takes.
//
// Codex takes one user prompt per run, so a multi-turn conversation is
// rendered as a transcript. It is JSON, not tags or headings: the content of
// a turn cannot forge another turn (a user writing "assistant:" stays inside
// its own string), and every role, name and tool call id survives intact.
// A conversation of one plain user turn is sent as that text alone, which
// is what a human would type.
#pragma once
#include <string>
#include <string_view>
#include <vector>

struct Turn {
    std::string role;          // system, developer, user, assistant, tool
    std::string content;
    std::string name;          // optional participant name
    std::string tool_call_id;  // for role "tool"
    std::string tool_calls_json;  // for an assistant turn that called tools
};

std::string prompt_from_turns(const std::vector<Turn> &turns);

// Codex refuses input over this many characters (and exits without saying
// turn.failed), so the proxy checks first and answers 400.
constexpr size_t kCodexMaxInputChars = 1048576;
size_t utf8_char_count(std::string_view s);
