// json_schema_well_formed: a client's schema, whatever JSON it is, is
// either usable as a schema or a 400 naming the place. One pass, each node
// once; $refs are resolved but not followed.
#include <cstring>

#include "supervisor/answer/json_schema_check.h"
#include "supervisor/answer/json_schema_walk.h"

using json_schema::cat;
using json_schema::NodeIndex;
using json_schema::Path;
using json_schema::PathStep;

namespace {

constexpr int kMaxDepth = 64;

enum class Holds { Nothing, One, OneOrList, Map, List };

Holds holds(const char *k) {
    for (const char *one : {"additionalProperties", "not", "contains", "if", "then", "else", "propertyNames",
                            "unevaluatedProperties", "unevaluatedItems", "additionalItems"})
        if (!strcmp(k, one)) return Holds::One;
    for (const char *map : {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})
        if (!strcmp(k, map)) return Holds::Map;
    for (const char *list : {"anyOf", "oneOf", "allOf", "prefixItems"})
        if (!strcmp(k, list)) return Holds::List;
    return !strcmp(k, "items") ? Holds::OneOrList : Holds::Nothing;
}

bool numeric_keyword(const char *k) {
    for (const char *n :
         {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum",
          "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties", "minContains", "maxContains"})
        if (!strcmp(k, n)) return true;
    return false;
}

bool type_name(const cJSON *t) {
    if (!cJSON_IsString(t)) return false;
    for (const char *n : {"string", "number", "integer", "boolean", "object", "array", "null"})
        if (!strcmp(t->valuestring, n)) return true;
    return false;
}

bool is_schema(const cJSON *v) { return cJSON_IsObject(v) || cJSON_IsBool(v); }

struct Shape {
    const cJSON *root;
    NodeIndex index;
    uint64_t work = 0;
    Path path;
    std::string problem;
};

bool bad(Shape &c, std::string_view what) {
    c.problem = cat({c.path.pointer(), ": ", what});
    return false;
}

bool schema(Shape &c, const cJSON *s, int depth);

bool each_schema_of(Shape &c, const cJSON *m, bool named, int depth) {
    size_t i = 0;
    for (const cJSON *e = m->child; e; e = e->next, i++) {
        if (named) c.path.push(e->string);
        else c.path.push(i);
        bool ok = schema(c, e, depth + 1);
        c.path.pop();
        if (!ok) return false;
    }
    return true;
}

bool schema_keyword(Shape &c, const cJSON *m, Holds h, int depth) {
    const char *k = m->string;
    if (h == Holds::One || (h == Holds::OneOrList && !cJSON_IsArray(m))) {
        if (!is_schema(m)) return bad(c, cat({"'", k, "' must be a schema (an object or a boolean)"}));
        return schema(c, m, depth + 1);
    }
    if (h == Holds::Map) {
        if (!cJSON_IsObject(m)) return bad(c, cat({"'", k, "' must be an object whose values are schemas"}));
        return each_schema_of(c, m, true, depth);
    }
    if (!cJSON_IsArray(m) || !m->child) return bad(c, cat({"'", k, "' must be a non-empty array of schemas"}));
    return each_schema_of(c, m, false, depth);
}

bool ref_keyword(Shape &c, const cJSON *m) {
    if (!cJSON_IsString(m)) return bad(c, "'$ref' must be a string");
    const cJSON *target = json_schema::resolve_ref(c.root, m->valuestring, c.index, c.work);
    if (is_schema(target)) return true;
    std::string_view r(m->valuestring);
    return bad(c, cat({"$ref '", r.substr(0, 200), "' is not a reference to a schema within the schema"}));
}

bool keyword(Shape &c, const cJSON *m, int depth) {
    const char *k = m->string;
    PathStep at(c.path, k);
    Holds h = holds(k);
    if (h != Holds::Nothing) return schema_keyword(c, m, h, depth);
    if (!strcmp(k, "$ref")) return ref_keyword(c, m);
    if (!strcmp(k, "type")) {
        if (type_name(m)) return true;
        bool list = cJSON_IsArray(m) && m->child;
        for (const cJSON *e = cJSON_IsArray(m) ? m->child : nullptr; e; e = e->next) list &= type_name(e);
        return list || bad(c, "'type' must be a JSON type name or a non-empty array of them");
    }
    if (!strcmp(k, "required")) {
        bool ok = cJSON_IsArray(m);
        for (const cJSON *e = ok ? m->child : nullptr; e; e = e->next) ok &= cJSON_IsString(e);
        return ok || bad(c, "'required' must be an array of strings");
    }
    if (!strcmp(k, "enum")) return cJSON_IsArray(m) || bad(c, "'enum' must be an array");
    if (numeric_keyword(k)) return cJSON_IsNumber(m) || bad(c, cat({"'", k, "' must be a number"}));
    return true;  // annotations and keywords the proxy does not read
}

bool schema(Shape &c, const cJSON *s, int depth) {
    if (depth > kMaxDepth) return bad(c, "the schema nests deeper than 64 levels");
    if (cJSON_IsBool(s)) return true;
    if (!cJSON_IsObject(s)) return bad(c, "a schema must be an object or a boolean");
    for (const cJSON *m = s->child; m; m = m->next)
        if (m->string && !keyword(c, m, depth)) return false;
    return true;
}

}  // namespace

bool json_schema_well_formed(const cJSON *schema_root, std::string &problem) {
    Shape c;
    c.root = schema_root;
    if (schema(c, schema_root, 0)) return true;
    problem = c.problem;
    return false;
}
