#include "supervisor/answer/answer_request.h"

#include <cctype>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "supervisor/answer/json_schema_check.h"
#include "supervisor/base/json_util.h"

namespace {

bool is(const cJSON *v, const char *s) { return cJSON_IsString(v) && strcmp(v->valuestring, s) == 0; }

bool name_ok(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > 64) return false;
    for (const char *p = n; *p; p++)
        if (!isalnum(static_cast<unsigned char>(*p)) && *p != '_' && *p != '-' && *p != '.' && *p != ':') return false;
    return true;
}

// What a client asked strict mode to enforce: "strict": true with a schema
// strict mode refuses is OpenAI's 400, before any codex run. what is
// "response_format 'name'" or "function 'name'"; a tool's parameters (tool) and a
// response format are refused with the codes OpenAI gives each.
bool strict_schema_ok(const cJSON *schema, const std::string &what, const std::string &param, bool tool,
                      ApiError &err) {
    std::string why;
    if (json_schema_strict_ok(schema, why)) return true;
    err = api_error_invalid("Invalid schema for " + what + ": " + why + ".", param,
                            tool ? "invalid_function_parameters" : "invalid_json_schema");
    return false;
}

// A JSON Schema from a request: an object, well formed, whose $refs stay
// inside it. Its "definitions" move to "$defs", as strict mode documents
// them. With strict (the client's "strict": true), strict mode must take it.
bool parse_schema(const cJSON *v, const std::string &param, bool strict, const std::string &what, bool tool,
                  JsonValue &out, ApiError &err) {
    if (!cJSON_IsObject(v)) {
        err = api_error_invalid("'" + param + "' must be a JSON Schema object.", param, "invalid_type");
        return false;
    }
    cJSON *copy = cJSON_Duplicate(v, true);
    json_schema_use_defs(copy);
    std::string problem;
    bool ok = json_schema_well_formed(copy, problem);
    if (!ok) err = api_error_invalid("'" + param + "' cannot be used: " + problem + ".", param, "invalid_schema");
    else if (strict) ok = strict_schema_ok(copy, what, param, tool, err);
    out = JsonValue(copy);
    return ok;
}

bool parse_tool(const cJSON *t, ApiFlavor api, const std::string &at, ToolSpec &out, ApiError &err) {
    if (!is(json_get(t, "type"), "function")) {
        const cJSON *ty = json_get(t, "type");
        std::string name = cJSON_IsString(ty) ? ty->valuestring : "(missing)";
        err = api_error_invalid("Tool type '" + name + "' is not supported by codex-proxy: only function tools are.",
                                at + ".type", "unsupported_tool");
        return false;
    }
    const cJSON *fn = api == ApiFlavor::Chat ? json_get(t, "function") : t;
    std::string fat = api == ApiFlavor::Chat ? at + ".function" : at;
    const cJSON *name = json_get(fn, "name");
    if (!cJSON_IsString(name) || !name_ok(name->valuestring)) {
        err = api_error_invalid("'" + fat + ".name' must be 1 to 64 letters, digits, '_', '-', '.' or ':'.",
                                fat + ".name", "invalid_value");
        return false;
    }
    out.name = name->valuestring;
    const cJSON *desc = json_get(fn, "description");
    if (cJSON_IsString(desc)) out.description = desc->valuestring;
    const cJSON *params = json_get(fn, "parameters");
    if (!params || cJSON_IsNull(params)) return true;
    bool strict = cJSON_IsTrue(json_get(fn, "strict"));
    return parse_schema(params, fat + ".parameters", strict, "function '" + out.name + "'", true, out.parameters, err);
}

bool parse_tools(const cJSON *root, ApiFlavor api, AnswerSpec &spec, ApiError &err) {
    const cJSON *tools = json_get(root, "tools");
    if (!tools || cJSON_IsNull(tools)) return true;
    if (!cJSON_IsArray(tools)) {
        err = api_error_invalid("'tools' must be an array.", "tools", "invalid_type");
        return false;
    }
    int i = 0;
    for (const cJSON *t = tools->child; t; t = t->next, i++) {
        ToolSpec ts;
        if (!parse_tool(t, api, "tools[" + std::to_string(i) + "]", ts, err)) return false;
        spec.tools.push_back(std::move(ts));
    }
    uint64_t steps = 0;
    int dup = first_duplicate_tool(spec.tools, steps);
    if (dup < 0) return true;
    err = api_error_invalid("Tool name '" + spec.tools[static_cast<size_t>(dup)].name + "' is used twice.",
                            "tools[" + std::to_string(dup) + "]", "invalid_value");
    return false;
}

bool parse_tool_choice(const cJSON *root, ApiFlavor api, AnswerSpec &spec, ApiError &err) {
    const cJSON *tc = json_get(root, "tool_choice");
    const cJSON *named = api == ApiFlavor::Chat ? json_get(json_get(tc, "function"), "name") : json_get(tc, "name");
    if (!tc || cJSON_IsNull(tc) || is(tc, "auto")) spec.tool_choice = ToolChoice::Auto;
    else if (is(tc, "none")) spec.tool_choice = ToolChoice::None;
    else if (is(tc, "required")) spec.tool_choice = ToolChoice::Required;
    else if (is(json_get(tc, "type"), "function") && cJSON_IsString(named)) {
        spec.tool_choice = ToolChoice::Named;
        spec.tool_name = named->valuestring;
    } else {
        err = api_error_invalid("'tool_choice' must be \"auto\", \"none\", \"required\" or a function tool.",
                                "tool_choice", "invalid_value");
        return false;
    }
    bool needs_tool = spec.tool_choice == ToolChoice::Required || spec.tool_choice == ToolChoice::Named;
    bool found = spec.tool_choice != ToolChoice::Named;
    for (const auto &t : spec.tools) found |= t.name == spec.tool_name;
    if ((needs_tool && spec.tools.empty()) || !found) {
        err = api_error_invalid(spec.tools.empty()
                                    ? "'tool_choice' asks for a tool call, but 'tools' is empty."
                                    : "'tool_choice' names '" + spec.tool_name + "', which is not in 'tools'.",
                                "tool_choice", "invalid_value");
        return false;
    }
    const cJSON *par = json_get(root, "parallel_tool_calls");
    spec.parallel_tool_calls = !cJSON_IsFalse(par);
    return true;
}

// fmt: {"type": …} plus, for json_schema, where its name/schema/strict live.
bool parse_format(const cJSON *fmt, const cJSON *schema_holder, const std::string &param, AnswerSpec &spec,
                  ApiError &err) {
    if (!fmt || cJSON_IsNull(fmt) || is(json_get(fmt, "type"), "text")) return true;
    if (is(json_get(fmt, "type"), "json_object")) {
        spec.format = FormatKind::JsonObject;
        return true;
    }
    if (!is(json_get(fmt, "type"), "json_schema")) {
        err = api_error_invalid("'" + param + ".type' must be text, json_object or json_schema.", param + ".type",
                                "invalid_value");
        return false;
    }
    spec.format = FormatKind::JsonSchema;
    const cJSON *name = json_get(schema_holder, "name");
    if (cJSON_IsString(name)) spec.schema_name = name->valuestring;
    std::string at = schema_holder == fmt ? param + ".schema" : param + ".json_schema.schema";
    bool strict = cJSON_IsTrue(json_get(schema_holder, "strict"));
    return parse_schema(json_get(schema_holder, "schema"), at, strict, "response_format '" + spec.schema_name + "'",
                        false, spec.schema, err);
}

bool parse_n(const cJSON *root, AnswerSpec &spec, ApiError &err) {
    const cJSON *n = json_get(root, "n");
    if (!n || cJSON_IsNull(n)) return true;
    // The range first: casting a double beyond int's range is undefined.
    if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1 && n->valuedouble <= kMaxChoices) ||
        n->valuedouble != static_cast<int>(n->valuedouble)) {
        err = api_error_invalid("'n' must be an integer from 1 to " + std::to_string(kMaxChoices) + ".", "n",
                                "invalid_value");
        return false;
    }
    spec.n = static_cast<int>(n->valuedouble);
    return true;
}

}  // namespace

int first_duplicate_tool(const std::vector<ToolSpec> &tools, uint64_t &steps) {
    std::unordered_set<std::string_view> names;
    names.reserve(tools.size());
    for (size_t i = 0; i < tools.size(); i++, steps++)
        if (!names.insert(tools[i].name).second) return static_cast<int>(i);
    return -1;
}

bool answer_request_parse(const cJSON *root, ApiFlavor api, AnswerSpec &spec, ApiError &err) {
    if (!parse_tools(root, api, spec, err) || !parse_tool_choice(root, api, spec, err)) return false;
    if (api == ApiFlavor::Chat) {
        const cJSON *rf = json_get(root, "response_format");
        return parse_format(rf, json_get(rf, "json_schema"), "response_format", spec, err) && parse_n(root, spec, err);
    }
    const cJSON *fmt = json_get(json_get(root, "text"), "format");
    return parse_format(fmt, fmt, "text.format", spec, err);
}
