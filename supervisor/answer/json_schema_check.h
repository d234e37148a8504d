// The part of JSON Schema codex-proxy needs to hold a model's answer to a
// client's schema: tool arguments and structured output are checked here
// before they reach the client, so a broken call is retried, never sent.
//
// Checked: type (incl. integer, null, type lists), enum, const, properties,
// required, additionalProperties, items (and its older array form),
// prefixItems, minItems, maxItems, anyOf, oneOf (as "at least one"), allOf,
// minLength, maxLength, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, boolean schemas, and local $ref (#, #/$defs/…,
// #/definitions/…, any JSON pointer). Other keywords (format, pattern…) are
// not enforced.
//
// Everything here runs on the event loop over client input, so each
// function takes any JSON shape and does work linear in its input (the
// validator's $ref and anyOf are bounded by a work budget instead).
#pragma once
#include <cjson/cJSON.h>

#include <cstdint>
#include <string>

// Work done by json_schema_validate, in JSON nodes looked at; one budget
// may be shared by all the checks of one answer. The budget is a base plus
// an allowance for each node of each value checked, so a large answer can
// be checked and a small one against a hostile schema ($ref cycles, nested
// anyOf) stops soon; past it the value counts as not matching ("too complex
// to check"). At some 20 ns a unit, the base is a few ms of the event loop.
constexpr uint64_t kSchemaWorkBase = 200000;
constexpr uint64_t kSchemaWorkPerValueNode = 32;
struct SchemaWork {
    uint64_t spent = 0;
    uint64_t limit = kSchemaWorkBase;
};

// True when schema can be used as a schema: each keyword that holds
// schemas holds them (an object or a boolean; properties/$defs/definitions
// an object of them; anyOf/oneOf/allOf/prefixItems a non-empty array of
// them), type/required/enum/$ref and the numeric bounds have their JSON
// types, every $ref is local and resolves, and it nests at most 64 levels.
// problem names the first place that is not, as a JSON pointer
// ("#/properties/a: 'required' must be an array of strings").
bool json_schema_well_formed(const cJSON *schema, std::string &problem);

// True when value satisfies schema; root is the document $ref resolves in.
// problem says where and why not ("$.tags[1]: expected string").
bool json_schema_validate(const cJSON *root, const cJSON *schema, const cJSON *value, std::string &problem,
                          SchemaWork *work = nullptr);

// True when OpenAI's strict structured outputs (which codex's
// --output-schema uses, and which a client asks for with "strict": true)
// accepts schema. why names the keyword and the place, as a JSON pointer,
// of the first thing it would refuse. The rules and limits are listed in
// json_schema_check.cpp.
bool json_schema_strict_ok(const cJSON *schema, std::string &why);

// Moves "definitions" to "$defs" and rewrites references to match, in
// place: zod-to-json-schema writes the first, strict mode documents the
// second. Anything that is not an object is left as it is.
void json_schema_use_defs(cJSON *schema);
