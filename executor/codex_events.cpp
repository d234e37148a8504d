#include "executor/codex_events.h"

#include "common/json_doc.h"

#include <cjson/cJSON.h>

#include <cstring>

namespace {

std::string str_field(const cJSON *obj, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}

// A token count: a number from 0 up to 2^53, where doubles still count
// exactly. Anything else (negative, huge, infinite) is no count at all:
// converting a double past 2^64 to uint64_t is undefined behaviour.
uint64_t count_field(const cJSON *obj, const char *name) {
    constexpr double kMaxExact = 9007199254740992.0;  // 2^53
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= kMaxExact)) return 0;
    return static_cast<uint64_t>(v->valuedouble);
}

CodexEvent parse_item(const char *type, const cJSON *root) {
    CodexEvent ev;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "item");
    if (!cJSON_IsObject(item)) return ev;  // Malformed
    ev.item_type = str_field(item, "type");
    bool completed = strcmp(type, "item.completed") == 0;
    if (ev.item_type == "error") {
        ev.kind = CodexEventKind::Notice;
        ev.text = str_field(item, "message");
    } else if (!completed) {
        ev.kind = CodexEventKind::ItemProgress;
    } else if (ev.item_type == "agent_message") {
        ev.kind = CodexEventKind::AgentMessage;
        ev.text = str_field(item, "text");
    } else if (ev.item_type == "reasoning") {
        ev.kind = CodexEventKind::Reasoning;
        ev.text = str_field(item, "text");
    } else {
        // command_execution, file_change, mcp_tool_call, collab_tool_call,
        // web_search, todo_list and whatever codex adds: the agent acting,
        // which the caller logs but never turns into answer text.
        ev.kind = CodexEventKind::ToolActivity;
    }
    return ev;
}

}  // namespace

CodexEvent codex_event_parse(std::string_view line) {
    CodexEvent ev;
    JsonDoc doc(line);
    if (!cJSON_IsObject(doc.root)) return ev;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc.root, "type");
    if (!cJSON_IsString(t)) return ev;
    const char *type = t->valuestring;
    if (strncmp(type, "item.", 5) == 0) return parse_item(type, doc.root);
    if (strcmp(type, "thread.started") == 0) {
        ev.kind = CodexEventKind::ThreadStarted;
        ev.text = str_field(doc.root, "thread_id");
    } else if (strcmp(type, "turn.started") == 0) {
        ev.kind = CodexEventKind::TurnStarted;
    } else if (strcmp(type, "turn.completed") == 0) {
        ev.kind = CodexEventKind::TurnCompleted;
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(doc.root, "usage");
        ev.usage.input_tokens = count_field(u, "input_tokens");
        ev.usage.cached_input_tokens = count_field(u, "cached_input_tokens");
        ev.usage.output_tokens = count_field(u, "output_tokens");
        ev.usage.reasoning_tokens = count_field(u, "reasoning_output_tokens");
    } else if (strcmp(type, "turn.failed") == 0) {
        ev.kind = CodexEventKind::TurnFailed;
        ev.text = str_field(cJSON_GetObjectItemCaseSensitive(doc.root, "error"), "message");
    } else if (strcmp(type, "error") == 0) {
        ev.kind = CodexEventKind::Notice;
        ev.text = str_field(doc.root, "message");
    } else {
        ev.kind = CodexEventKind::Unknown;
        ev.item_type = type;
    }
    return ev;
}
