// The part of JSON Schema codex-proxy needs to hold a model's answer to a
// client's schema: tool arguments and structured output are checked here
// before they reach the client, so a broken call is retried, never sent.
//
// Checked: type (incl. integer, null, type lists), enum, const, properties,
// required, additionalProperties, items, prefixItems, minItems, maxItems,
// anyOf, oneOf (as "at least one"), allOf, minLength, maxLength, minimum,
// maximum, boolean schemas, and local $ref (#, #/$defs/…, #/definitions/…,
// any JSON pointer). Other keywords (format, pattern…) are not enforced.
#pragma once
#include <cjson/cJSON.h>

#include <string>

// True when value satisfies schema; root is the document $ref resolves in.
// problem says where and why not ("$.tags[1]: expected string").
bool json_schema_validate(const cJSON *root, const cJSON *schema, const cJSON *value, std::string &problem);

// True when every $ref in schema is local and resolves; problem names the first that does not.
bool json_schema_refs_ok(const cJSON *schema, std::string &problem);

// True when OpenAI's strict structured outputs (which codex's
// --output-schema uses) takes schema as it is: an object at the root, and
// every object closed (additionalProperties false) with all its properties
// required. why names the first place that is not.
bool json_schema_strict_ready(const cJSON *schema, std::string &why);

// Moves "definitions" to "$defs" and rewrites references to match, in
// place: zod-to-json-schema writes the first, strict mode documents the second.
void json_schema_use_defs(cJSON *schema);
