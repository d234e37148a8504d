// json_schema_strict_ok: what OpenAI's Structured Outputs in strict mode
// accepts, so that a schema it would refuse never reaches codex's
// --output-schema (the real API would answer 400 and the client get a 502),
// and a client's "strict": true with such a schema is the 400 OpenAI gives.
//
// Rules and limits from OpenAI's Structured Outputs guide, "Supported
// schemas" (https://platform.openai.com/docs/guides/structured-outputs#supported-schemas,
// as of 2025; the first edition said 100 properties and 5 levels):
//  - keywords: type, properties, required, additionalProperties, items,
//    enum, const, anyOf, $ref, $defs, definitions, description, title;
//    strings: pattern, format (date-time, time, date, duration, email,
//    hostname, ipv4, ipv6, uuid), minLength, maxLength (the guide refuses
//    these four for fine-tuned models only); numbers: minimum, maximum,
//    exclusiveMinimum, exclusiveMaximum, multipleOf; arrays: minItems,
//    maxItems. Anything else ("allOf", "not", "if", "patternProperties",
//    "uniqueItems", "minProperties", "default"…) "is not permitted". $schema
//    is let through: schema generators write it at the root.
//  - the root is an object schema, not anyOf; each schema has a type (or is
//    a $ref, anyOf, enum or const); every object has "additionalProperties":
//    false and lists all its properties, and only them, in "required".
//  - at most 5000 object properties in all, 10 levels of object nesting
//    (the root object is level 1; each $defs entry counts from 1), 1000 enum
//    values in all, 120,000 characters of property names, definition names,
//    enum and const strings, and 15,000 characters in one enum of more than
//    250 values.
// tests/e2e/strict_schema_rules.js enforces the same rules in the tests'
// scripted model server.
#include <cstring>
#include <unordered_set>

#include "supervisor/answer/json_schema_check.h"
#include "supervisor/answer/json_schema_walk.h"

using json_schema::cat;
using json_schema::Path;
using json_schema::PathStep;

namespace {

constexpr size_t kMaxProperties = 5000;
constexpr int kMaxNesting = 10;
constexpr size_t kMaxEnumValues = 1000;
constexpr size_t kMaxChars = 120000;
constexpr size_t kLargeEnum = 250;
constexpr size_t kMaxLargeEnumChars = 15000;

const char *const kPermitted[] = {"type",
                                  "properties",
                                  "required",
                                  "additionalProperties",
                                  "items",
                                  "enum",
                                  "const",
                                  "anyOf",
                                  "$ref",
                                  "$defs",
                                  "definitions",
                                  "description",
                                  "title",
                                  "pattern",
                                  "format",
                                  "minLength",
                                  "maxLength",
                                  "minimum",
                                  "maximum",
                                  "exclusiveMinimum",
                                  "exclusiveMaximum",
                                  "multipleOf",
                                  "minItems",
                                  "maxItems",
                                  "$schema"};
const char *const kFormats[] = {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"};

template <size_t N>
bool listed(const char *const (&list)[N], const char *s) {
    for (const char *l : list)
        if (!strcmp(l, s)) return true;
    return false;
}

struct Strict {
    Path path;
    std::string why;
    size_t properties = 0, enum_values = 0, chars = 0;
};

bool refuse(Strict &c, std::string_view what) {
    c.why = cat({c.path.pointer(), ": ", what});
    return false;
}

bool has_type(const cJSON *type, const char *name) {
    if (cJSON_IsString(type)) return !strcmp(type->valuestring, name);
    for (const cJSON *t = cJSON_IsArray(type) ? type->child : nullptr; t; t = t->next)
        if (cJSON_IsString(t) && !strcmp(t->valuestring, name)) return true;
    return false;
}

bool count_chars(Strict &c, const char *s) {
    c.chars += strlen(s);
    return c.chars <= kMaxChars ||
           refuse(c, cat({"more than ", std::to_string(kMaxChars),
                          " characters of property names, definition names and enum values in all"}));
}

bool node(Strict &c, const cJSON *s, int nesting);

bool object_rules(Strict &c, const cJSON *s, int nesting) {
    if (nesting > kMaxNesting)
        return refuse(
            c, cat({std::to_string(nesting), " levels of nesting exceed the limit of ", std::to_string(kMaxNesting)}));
    if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "additionalProperties")))
        return refuse(c, "'additionalProperties' is required to be supplied and to be false");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
    if (props && !cJSON_IsObject(props)) return refuse(c, "'properties' must be an object");
    if (req && !cJSON_IsArray(req)) return refuse(c, "'required' must be an array");
    std::unordered_set<std::string_view> required, named;
    for (const cJSON *r = req ? req->child : nullptr; r; r = r->next) {
        if (!cJSON_IsString(r)) return refuse(c, "'required' must hold strings");
        required.insert(r->valuestring);
    }
    for (const cJSON *p = props ? props->child : nullptr; p; p = p->next) {
        named.insert(p->string);
        if (!required.count(p->string))
            return refuse(c, cat({"'required' is required to be supplied and to be an array including every key in "
                                  "properties. Missing '",
                                  p->string, "'"}));
    }
    for (const cJSON *r = req ? req->child : nullptr; r; r = r->next)
        if (!named.count(r->valuestring)) return refuse(c, cat({"Extra required key '", r->valuestring, "' supplied"}));
    c.properties += named.size();
    if (c.properties > kMaxProperties)
        return refuse(c, cat({"more than ", std::to_string(kMaxProperties), " object properties in all"}));
    if (!props) return true;
    PathStep at(c.path, "properties");
    for (const cJSON *p = props->child; p; p = p->next) {
        PathStep in(c.path, p->string);
        if (!count_chars(c, p->string) || !node(c, p, nesting)) return false;
    }
    return true;
}

bool enum_rules(Strict &c, const cJSON *s) {
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
    const cJSON *cst = cJSON_GetObjectItemCaseSensitive(s, "const");
    if (cJSON_IsString(cst) && !count_chars(c, cst->valuestring)) return false;
    if (!en) return true;
    if (!cJSON_IsArray(en)) return refuse(c, "'enum' must be an array");
    size_t n = 0, chars = 0;
    for (const cJSON *e = en->child; e; e = e->next, n++)
        if (cJSON_IsString(e)) {
            chars += strlen(e->valuestring);
            if (!count_chars(c, e->valuestring)) return false;
        }
    c.enum_values += n;
    if (c.enum_values > kMaxEnumValues)
        return refuse(c, cat({"more than ", std::to_string(kMaxEnumValues), " enum values in all"}));
    if (n > kLargeEnum && chars > kMaxLargeEnumChars)
        return refuse(c, cat({"an enum of more than ", std::to_string(kLargeEnum), " values has more than ",
                              std::to_string(kMaxLargeEnumChars), " characters"}));
    return true;
}

bool defs_rules(Strict &c, const cJSON *s) {
    for (const char *k : {"$defs", "definitions"}) {
        const cJSON *defs = cJSON_GetObjectItemCaseSensitive(s, k);
        if (!defs) continue;
        PathStep at(c.path, k);
        if (!cJSON_IsObject(defs)) return refuse(c, "must be an object of schemas");
        for (const cJSON *d = defs->child; d; d = d->next) {
            PathStep in(c.path, d->string);
            if (!count_chars(c, d->string) || !node(c, d, 0)) return false;
        }
    }
    return true;
}

bool node(Strict &c, const cJSON *s, int nesting) {
    if (!cJSON_IsObject(s)) return refuse(c, "a schema must be an object (boolean schemas are not permitted)");
    for (const cJSON *m = s->child; m; m = m->next)
        if (!m->string || !listed(kPermitted, m->string)) {
            PathStep at(c.path, m->string);
            return refuse(c, cat({"'", m->string ? m->string : "", "' is not permitted"}));
        }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(s, "anyOf");
    bool typed_otherwise = cJSON_GetObjectItemCaseSensitive(s, "$ref") || any ||
                           cJSON_GetObjectItemCaseSensitive(s, "enum") || cJSON_GetObjectItemCaseSensitive(s, "const");
    if (!type && !typed_otherwise) return refuse(c, "schema must have a 'type' key");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(s, "format");
    if (format && (!cJSON_IsString(format) || !listed(kFormats, format->valuestring)))
        return refuse(c, "'format' must be one of the supported formats");
    if (!enum_rules(c, s) || !defs_rules(c, s)) return false;
    if ((has_type(type, "object") || cJSON_GetObjectItemCaseSensitive(s, "properties")) &&
        !object_rules(c, s, nesting + 1))
        return false;
    if (const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items")) {
        PathStep at(c.path, "items");
        if (!node(c, items, nesting)) return false;
    }
    if (!any) return true;
    PathStep at(c.path, "anyOf");
    if (!cJSON_IsArray(any) || !any->child) return refuse(c, "'anyOf' must be a non-empty array of schemas");
    size_t i = 0;
    for (const cJSON *e = any->child; e; e = e->next, i++) {
        PathStep in(c.path, i);
        if (!node(c, e, nesting)) return false;
    }
    return true;
}

}  // namespace

bool json_schema_strict_ok(const cJSON *schema, std::string &why) {
    Strict c;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
    bool ok = true;
    if (!cJSON_IsObject(schema) || !cJSON_IsString(type) || strcmp(type->valuestring, "object") != 0)
        ok = refuse(c, "the root must be a schema of type 'object'");
    else if (cJSON_GetObjectItemCaseSensitive(schema, "anyOf")) ok = refuse(c, "the root must not be 'anyOf'");
    else ok = node(c, schema, 0);
    if (!ok) why = c.why;
    return ok;
}
