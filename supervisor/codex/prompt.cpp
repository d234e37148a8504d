#include "supervisor/codex/prompt.h"

#include <cjson/cJSON.h>

#include "supervisor/base/json_util.h"

static const char kTranscriptPreamble[] =
    "The conversation so far is given below as a JSON array of turns, oldest first. Each turn "
    "has a \"role\" (system, developer, user, assistant or tool) and its \"content\". Follow the "
    "system and developer turns as your instructions. Write the assistant's next message: reply "
    "with that message only, without a role label, and without repeating the transcript.\n\n";

static cJSON *turn_json(const Turn &t) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "role", t.role.c_str());
    if (!t.name.empty()) cJSON_AddStringToObject(o, "name", t.name.c_str());
    if (!t.tool_call_id.empty()) cJSON_AddStringToObject(o, "tool_call_id", t.tool_call_id.c_str());
    cJSON_AddStringToObject(o, "content", t.content.c_str());
    if (!t.tool_calls_json.empty()) {
        cJSON *calls = cJSON_Parse(t.tool_calls_json.c_str());
        if (calls) cJSON_AddItemToObject(o, "tool_calls", calls);
    }
    return o;
}

std::string prompt_from_turns(const std::vector<Turn> &turns) {
    if (turns.size() == 1 && turns[0].role == "user" && turns[0].name.empty()) return turns[0].content;
    cJSON *arr = cJSON_CreateArray();
    for (const auto &t : turns) cJSON_AddItemToArray(arr, turn_json(t));
    char *s = cJSON_Print(arr);  // one turn per line block reads better for the model
    std::string out = kTranscriptPreamble;
    out += s ? s : "[]";
    free(s);
    cJSON_Delete(arr);
    return out;
}

size_t utf8_char_count(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) n++;
    return n;
}
