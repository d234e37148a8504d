// What a request asks the answer to be, and how codex is made to produce it.
//
// Codex has no notion of client tools, n choices or JSON modes: it runs one
// turn and ends with a final message. So the proxy describes the answer it
// needs in the prompt and, where it can, has codex's model decode into a
// JSON Schema (--output-schema, which codex sends as a strict
// text.format json_schema). The shapes:
//  - free text: plain text, streamed as it comes (no schema);
//  - direct JSON: a client's json_schema that strict mode takes as it is
//    becomes the output schema, and the final message is the client's JSON;
//  - JSON text: json_object, or a client schema strict mode would refuse
//    (optional properties, open objects, a non-object root): no output
//    schema; the instructions carry the schema and the proxy checks the
//    reply against it;
//  - envelope: tools or n > 1. The output schema is the proxy's own and is
//    strict by construction: {content, tool_calls:[{name, arguments}]}
//    (or {choices:[…n…]}) where a call's arguments is a *string*, so no
//    client tool schema ever meets strict mode. The proxy then parses each
//    call's arguments and checks them against that tool's own schema.
// An answer that fails its checks is asked for once more, then is an error.
#pragma once
#include <string>
#include <vector>

struct ToolSpec {
    std::string name;
    std::string description;
    std::string parameters;  // JSON Schema text; empty: takes no arguments
};

enum class ToolChoice { Auto, None, Required, Named };
enum class FormatKind { Text, JsonObject, JsonSchema };
enum class AnswerShape { FreeText, DirectJson, JsonText, Envelope };

struct AnswerSpec {
    std::vector<ToolSpec> tools;
    ToolChoice tool_choice = ToolChoice::Auto;
    std::string tool_name;  // for ToolChoice::Named
    bool parallel_tool_calls = true;
    FormatKind format = FormatKind::Text;
    std::string schema_name;
    std::string schema;  // JSON text, its definitions already under $defs
    int n = 1;

    bool tools_usable() const { return !tools.empty() && tool_choice != ToolChoice::None; }
    AnswerShape shape() const;
};

struct AnswerPlan {
    AnswerShape shape = AnswerShape::FreeText;
    std::string output_schema;  // for --output-schema; empty: none
    std::string instructions;   // appended to the prompt; empty: none
};

AnswerPlan answer_plan(const AnswerSpec &spec);
