#include "supervisor/answer/answer_spec.h"

#include <cjson/cJSON.h>

#include "common/json_doc.h"
#include "supervisor/answer/json_schema_check.h"
#include "supervisor/base/json_util.h"

namespace {

bool client_schema_strict_ready(const AnswerSpec &s) {
    std::string why;
    return s.schema && json_schema_strict_ok(s.schema.get(), why);
}

cJSON *string_schema(bool nullable) {
    cJSON *o = cJSON_CreateObject();
    if (!nullable) {
        cJSON_AddStringToObject(o, "type", "string");
        return o;
    }
    const char *types[] = {"string", "null"};
    cJSON_AddItemToObject(o, "type", cJSON_CreateStringArray(types, 2));
    return o;
}

cJSON *closed_object(cJSON *props) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "object");
    cJSON *req = cJSON_AddArrayToObject(o, "required");
    for (cJSON *p = props->child; p; p = p->next) cJSON_AddItemToArray(req, cJSON_CreateString(p->string));
    cJSON_AddItemToObject(o, "properties", props);
    cJSON_AddFalseToObject(o, "additionalProperties");
    return o;
}

// The tools' names as an enum, when strict mode's enum limits allow it
// (json_schema_strict.cpp); otherwise any string, and the proxy's check of
// the answer refuses a name that is not offered.
cJSON *call_schema(const AnswerSpec &s, bool name_enum) {
    cJSON *name = cJSON_CreateObject();
    cJSON_AddStringToObject(name, "type", "string");
    if (name_enum) {
        cJSON *names = cJSON_AddArrayToObject(name, "enum");
        for (const auto &t : s.tools)
            if (s.tool_choice != ToolChoice::Named || t.name == s.tool_name)
                cJSON_AddItemToArray(names, cJSON_CreateString(t.name.c_str()));
    }
    cJSON *props = cJSON_CreateObject();
    cJSON_AddItemToObject(props, "name", name);
    cJSON_AddItemToObject(props, "arguments", string_schema(false));
    return closed_object(props);
}

cJSON *one_answer_schema(const AnswerSpec &s, bool name_enum) {
    cJSON *props = cJSON_CreateObject();
    cJSON_AddItemToObject(props, "content", string_schema(s.tools_usable()));
    if (s.tools_usable()) {
        cJSON *calls = cJSON_AddObjectToObject(props, "tool_calls");
        cJSON_AddStringToObject(calls, "type", "array");
        cJSON_AddItemToObject(calls, "items", call_schema(s, name_enum));
    }
    return closed_object(props);
}

cJSON *envelope(const AnswerSpec &s, bool name_enum) {
    if (s.n == 1) return one_answer_schema(s, name_enum);
    cJSON *choices = cJSON_CreateObject();
    cJSON_AddStringToObject(choices, "type", "array");
    cJSON_AddNumberToObject(choices, "minItems", s.n);
    cJSON_AddNumberToObject(choices, "maxItems", s.n);
    cJSON_AddItemToObject(choices, "items", one_answer_schema(s, name_enum));
    cJSON *props = cJSON_CreateObject();
    cJSON_AddItemToObject(props, "choices", choices);
    return closed_object(props);
}

// Strict by construction, and within strict mode's limits however many tools there are.
std::string envelope_schema(const AnswerSpec &s) {
    cJSON *e = envelope(s, true);
    std::string why;
    if (json_schema_strict_ok(e, why)) return json_take(e);
    cJSON_Delete(e);
    return json_take(envelope(s, false));
}

std::string tools_json(const AnswerSpec &s) {
    cJSON *arr = cJSON_CreateArray();
    for (const auto &t : s.tools) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t.name.c_str());
        if (!t.description.empty()) cJSON_AddStringToObject(o, "description", t.description.c_str());
        if (t.parameters) cJSON_AddItemToObject(o, "parameters", t.parameters.reference());
        cJSON_AddItemToArray(arr, o);
    }
    char *p = cJSON_Print(arr);
    std::string out = p ? p : "[]";
    free(p);
    cJSON_Delete(arr);
    return out;
}

// What a JSON reply must be, in words: for "content", or for the reply itself.
std::string json_rule(const AnswerSpec &s) {
    if (s.format == FormatKind::JsonObject) return "a single JSON object";
    return "a single JSON value that satisfies this JSON Schema" +
           (s.schema_name.empty() ? std::string() : " (\"" + s.schema_name + "\")") + ":\n" + s.schema.text() + "\n";
}

std::string tool_rules(const AnswerSpec &s) {
    std::string out =
        "## Tools\nThe application offers the tools below. You do not run them yourself: you ask the "
        "application to, by listing calls in \"tool_calls\". Their results come back to you in later turns "
        "with role \"tool\".\n" +
        tools_json(s) +
        "\n\n"
        "Each call has the tool's \"name\" and its \"arguments\": a string holding one JSON object that "
        "satisfies the tool's \"parameters\" schema (\"{}\" for a tool without parameters).\n";
    switch (s.tool_choice) {
    case ToolChoice::Auto:
        out +=
            "Call tools when they are needed to answer; otherwise reply in \"content\" and leave "
            "\"tool_calls\" empty. When you call tools, \"content\" may be null.\n";
        break;
    case ToolChoice::Required: out += "You must call at least one tool now.\n"; break;
    case ToolChoice::Named: out += "You must call the tool \"" + s.tool_name + "\" now.\n"; break;
    case ToolChoice::None: break;
    }
    if (!s.parallel_tool_calls) out += "Call at most one tool in this answer.\n";
    return out;
}

std::string envelope_rules(const AnswerSpec &s) {
    std::string out = "\n\n# How to answer\nYour reply is a JSON object, as the output schema describes.\n";
    if (s.n > 1)
        out += "Give exactly " + std::to_string(s.n) +
               " different alternatives in \"choices\", each a complete "
               "answer on its own.\n";
    if (s.tools_usable()) out += tool_rules(s);
    else out += "Put your reply in \"content\".\n";
    if (s.format != FormatKind::Text)
        out += "\"content\" must be a string holding " + json_rule(s) + " (no code fences).\n";
    return out;
}

}  // namespace

AnswerShape AnswerSpec::shape() const {
    if (tools_usable() || n > 1) return AnswerShape::Envelope;
    if (format == FormatKind::JsonSchema && client_schema_strict_ready(*this)) return AnswerShape::DirectJson;
    if (format != FormatKind::Text) return AnswerShape::JsonText;
    return AnswerShape::FreeText;
}

AnswerPlan answer_plan(const AnswerSpec &s) {
    AnswerPlan p;
    p.shape = s.shape();
    switch (p.shape) {
    case AnswerShape::FreeText: break;
    case AnswerShape::DirectJson:
        p.output_schema = s.schema.text();
        p.instructions = "\n\n# How to answer\nReply with the JSON the output schema describes, and nothing else.\n";
        break;
    case AnswerShape::JsonText:
        p.instructions = "\n\n# How to answer\nReply with " + json_rule(s) +
                         "\nReply with that JSON only: no code fences, no text before or after it.\n";
        break;
    case AnswerShape::Envelope:
        p.output_schema = envelope_schema(s);
        p.instructions = envelope_rules(s);
        break;
    }
    return p;
}
