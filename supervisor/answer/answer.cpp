#include "supervisor/answer/answer.h"

cJSON *tool_call_json(const ToolCall &call) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", call.call_id.c_str());
    cJSON_AddStringToObject(o, "type", "function");
    cJSON *fn = cJSON_AddObjectToObject(o, "function");
    cJSON_AddStringToObject(fn, "name", call.name.c_str());
    cJSON_AddStringToObject(fn, "arguments", call.arguments.c_str());
    return o;
}
