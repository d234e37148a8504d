#include "supervisor/answer/answer_parse.h"

#include <cjson/cJSON.h>

#include <memory>
#include <string_view>
#include <unordered_map>

#include "common/json_doc.h"
#include "supervisor/answer/json_schema_check.h"
#include "supervisor/base/json_util.h"
#include "supervisor/base/random_id.h"

namespace {

// What one answer's checks share: the offered tools by name and one work
// budget, so an answer with many calls costs what its size does, not
// calls x tools or calls x schema. (Schemas were parsed with the request.)
struct Checks {
    explicit Checks(const AnswerSpec &spec) : spec(spec) {
        for (const auto &t : spec.tools)
            if (spec.tool_choice != ToolChoice::Named || t.name == spec.tool_name) tools.emplace(t.name, &t);
    }
    const AnswerSpec &spec;
    std::unordered_map<std::string_view, const ToolSpec *> tools;
    SchemaWork work;
};

std::string trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// JSON text that must satisfy the request's format (json_object, or the schema).
bool check_json_text(Checks &ck, const std::string &text, std::string &problem) {
    const AnswerSpec &spec = ck.spec;
    JsonDoc value(text);
    if (!value.root) {
        problem = "the reply is not valid JSON";
        return false;
    }
    if (spec.format == FormatKind::JsonObject) {
        if (cJSON_IsObject(value.root)) return true;
        problem = "the reply is JSON but not an object";
        return false;
    }
    const cJSON *schema = spec.schema.get();
    if (json_schema_validate(schema, schema, value.root, problem, &ck.work)) return true;
    problem = "the JSON does not satisfy the schema: " + problem;
    return false;
}

bool parse_arguments(Checks &ck, const ToolSpec &tool, const cJSON *args, std::string &out, std::string &problem) {
    // Models sometimes write the arguments as an object, not as its text.
    std::string text = cJSON_IsString(args)   ? trim(args->valuestring)
                       : cJSON_IsObject(args) ? json_take(cJSON_Duplicate(args, true))
                                              : "";
    JsonDoc value(text);
    if (!cJSON_IsObject(value.root)) {
        problem = "the arguments of a call to '" + tool.name + "' are not a JSON object";
        return false;
    }
    if (!tool.parameters) {
        out = "{}";
        return true;
    }
    const cJSON *schema = tool.parameters.get();
    if (!json_schema_validate(schema, schema, value.root, problem, &ck.work)) {
        problem = "the arguments of a call to '" + tool.name + "' do not satisfy its parameters: " + problem;
        return false;
    }
    out = text;
    return true;
}

bool parse_calls(Checks &ck, const cJSON *calls, Choice &c, std::string &problem) {
    const AnswerSpec &spec = ck.spec;
    for (const cJSON *call = cJSON_IsArray(calls) ? calls->child : nullptr; call; call = call->next) {
        const cJSON *name = json_get(call, "name");
        auto found = cJSON_IsString(name) ? ck.tools.find(name->valuestring) : ck.tools.end();
        const ToolSpec *tool = found == ck.tools.end() ? nullptr : found->second;
        if (!tool) {
            problem = "a tool call names no tool that may be called now";
            return false;
        }
        ToolCall tc{random_id("call_"), tool->name, ""};
        if (!parse_arguments(ck, *tool, json_get(call, "arguments"), tc.arguments, problem)) return false;
        c.calls.push_back(std::move(tc));
    }
    bool must_call = spec.tool_choice == ToolChoice::Required || spec.tool_choice == ToolChoice::Named;
    if (must_call && c.calls.empty()) {
        problem = "the answer calls no tool, and a tool call was required";
        return false;
    }
    if (!spec.parallel_tool_calls && c.calls.size() > 1) c.calls.resize(1);  // at most one was asked for
    return true;
}

bool parse_choice(Checks &ck, const cJSON *a, Choice &c, std::string &problem) {
    const AnswerSpec &spec = ck.spec;
    if (!cJSON_IsObject(a)) {
        problem = "an answer is not a JSON object";
        return false;
    }
    if (spec.tools_usable() && !parse_calls(ck, json_get(a, "tool_calls"), c, problem)) return false;
    const cJSON *content = json_get(a, "content");
    c.content = cJSON_IsString(content) ? content->valuestring : "";
    c.has_content = !c.calls.empty() ? !trim(c.content).empty() : true;
    if (c.calls.empty() && !cJSON_IsString(content)) {
        problem = "an answer has neither content nor tool calls";
        return false;
    }
    if (spec.format == FormatKind::Text || !c.calls.empty()) return true;
    c.content = strip_code_fence(c.content);
    return check_json_text(ck, c.content, problem);
}

bool parse_envelope(Checks &ck, const std::string &message, Answer &out, std::string &problem) {
    const AnswerSpec &spec = ck.spec;
    JsonDoc root(strip_code_fence(message));
    if (!cJSON_IsObject(root.root)) {
        problem = "the reply is not the JSON object the output schema describes";
        return false;
    }
    const cJSON *list = spec.n == 1 ? nullptr : json_get(root.root, "choices");
    if (spec.n > 1 && (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < spec.n)) {
        problem = "\"choices\" does not hold " + std::to_string(spec.n) + " answers";
        return false;
    }
    const cJSON *a = spec.n == 1 ? root.root : list->child;
    for (int i = 0; i < spec.n; i++, a = a->next) {
        Choice c;
        if (!parse_choice(ck, a, c, problem)) return false;
        out.choices.push_back(std::move(c));
    }
    return true;
}

}  // namespace

std::string strip_code_fence(const std::string &text) {
    std::string t = trim(text);
    if (t.size() < 6 || t.compare(0, 3, "```") != 0 || t.compare(t.size() - 3, 3, "```") != 0) return t;
    size_t nl = t.find('\n');
    if (nl == std::string::npos || nl >= t.size() - 3) return t;
    return trim(t.substr(nl + 1, t.size() - 3 - nl - 1));
}

bool answer_parse(const AnswerSpec &spec, AnswerShape shape, const std::string &message, Answer &out,
                  std::string &problem) {
    out.choices.clear();
    Checks ck(spec);
    if (shape == AnswerShape::Envelope) return parse_envelope(ck, message, out, problem);
    Choice c;
    c.content = shape == AnswerShape::FreeText ? message : strip_code_fence(message);
    if (shape != AnswerShape::FreeText && !check_json_text(ck, c.content, problem)) return false;
    out.choices.push_back(std::move(c));
    return true;
}
