#include "supervisor/json_schema_check.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

constexpr int kMaxDepth = 64;  // $ref cycles and deep documents end here
// Nested anyOf can make checking exponential, and it runs on the event
// loop: past this many schema visits a value counts as not matching.
constexpr uint64_t kMaxSteps = 200000;

struct Ctx {
    const cJSON *root;
    std::string problem;
    int depth;
    uint64_t *steps;  // shared with the trial contexts of anyOf
};

bool fail(Ctx &c, const std::string &path, const std::string &what) {
    if (c.problem.empty()) c.problem = path + ": " + what;
    return false;
}

std::string pointer_token(const std::string &t) {
    std::string out;
    for (size_t i = 0; i < t.size(); i++) {
        if (t[i] == '~' && i + 1 < t.size()) out.push_back(t[++i] == '1' ? '/' : '~');
        else out.push_back(t[i]);
    }
    return out;
}

// A local reference ("#" or "#/a/b"), or null.
const cJSON *resolve(const cJSON *root, const char *ref) {
    if (!ref || ref[0] != '#') return nullptr;
    const cJSON *node = root;
    std::string rest = ref + 1;
    if (rest.empty()) return root;
    if (rest[0] != '/') return nullptr;
    size_t pos = 1;
    while (node && pos <= rest.size()) {
        size_t end = rest.find('/', pos);
        if (end == std::string::npos) end = rest.size();
        std::string tok = pointer_token(rest.substr(pos, end - pos));
        node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(tok.c_str()))
                                   : cJSON_GetObjectItemCaseSensitive(node, tok.c_str());
        pos = end + 1;
    }
    return node;
}

bool is_type(const cJSON *v, const char *t) {
    if (!strcmp(t, "string")) return cJSON_IsString(v);
    if (!strcmp(t, "number")) return cJSON_IsNumber(v);
    if (!strcmp(t, "integer")) return cJSON_IsNumber(v) && std::floor(v->valuedouble) == v->valuedouble;
    if (!strcmp(t, "boolean")) return cJSON_IsBool(v);
    if (!strcmp(t, "object")) return cJSON_IsObject(v);
    if (!strcmp(t, "array")) return cJSON_IsArray(v);
    if (!strcmp(t, "null")) return cJSON_IsNull(v);
    return true;  // an unknown type name constrains nothing
}

bool check(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path);

bool check_type(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");
    if (!t) return true;
    if (cJSON_IsString(t)) return is_type(v, t->valuestring) || fail(c, path, std::string("expected ") + t->valuestring);
    if (!cJSON_IsArray(t)) return true;
    for (const cJSON *e = t->child; e; e = e->next)
        if (cJSON_IsString(e) && is_type(v, e->valuestring)) return true;
    return fail(c, path, "not of any type the schema allows");
}

bool check_enum(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    const cJSON *cst = cJSON_GetObjectItemCaseSensitive(s, "const");
    if (cst && !cJSON_Compare(cst, v, true)) return fail(c, path, "does not equal the schema's const");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
    if (!cJSON_IsArray(en)) return true;
    for (const cJSON *e = en->child; e; e = e->next)
        if (cJSON_Compare(e, v, true)) return true;
    return fail(c, path, "not one of the schema's enum values");
}

bool check_object(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    if (!cJSON_IsObject(v)) return true;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
    for (const cJSON *r = cJSON_IsArray(req) ? req->child : nullptr; r; r = r->next)
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
            return fail(c, path, std::string("missing required property '") + r->valuestring + "'");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
    for (const cJSON *m = v->child; m; m = m->next) {
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, m->string);
        std::string at = path + "." + m->string;
        if (ps && !check(c, ps, m, at)) return false;
        if (!ps && cJSON_IsFalse(extra)) return fail(c, at, "property not allowed by the schema");
        if (!ps && cJSON_IsObject(extra) && !check(c, extra, m, at)) return false;
    }
    return true;
}

bool check_array(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    if (!cJSON_IsArray(v)) return true;
    int n = cJSON_GetArraySize(v);
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(s, "minItems");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(s, "maxItems");
    if (cJSON_IsNumber(mn) && n < mn->valuedouble) return fail(c, path, "fewer items than minItems");
    if (cJSON_IsNumber(mx) && n > mx->valuedouble) return fail(c, path, "more items than maxItems");
    const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(s, "prefixItems");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
    int i = 0, np = cJSON_IsArray(prefix) ? cJSON_GetArraySize(prefix) : 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const cJSON *es = i < np ? cJSON_GetArrayItem(prefix, i) : items;
        if (es && !check(c, es, e, path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
}

bool check_scalar(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    auto num = [&](const char *k) { return cJSON_GetObjectItemCaseSensitive(s, k); };
    if (cJSON_IsString(v)) {
        double len = 0;
        for (const char *p = v->valuestring; *p; p++) len += (*p & 0xC0) != 0x80;
        if (cJSON_IsNumber(num("minLength")) && len < num("minLength")->valuedouble) return fail(c, path, "shorter than minLength");
        if (cJSON_IsNumber(num("maxLength")) && len > num("maxLength")->valuedouble) return fail(c, path, "longer than maxLength");
    }
    if (cJSON_IsNumber(v)) {
        if (cJSON_IsNumber(num("minimum")) && v->valuedouble < num("minimum")->valuedouble) return fail(c, path, "below minimum");
        if (cJSON_IsNumber(num("maximum")) && v->valuedouble > num("maximum")->valuedouble) return fail(c, path, "above maximum");
    }
    return true;
}

bool check_combinators(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(s, "allOf");
    for (const cJSON *e = cJSON_IsArray(all) ? all->child : nullptr; e; e = e->next)
        if (!check(c, e, v, path)) return false;
    for (const char *k : {"anyOf", "oneOf"}) {
        const cJSON *any = cJSON_GetObjectItemCaseSensitive(s, k);
        if (!cJSON_IsArray(any)) continue;
        bool matched = false;
        for (const cJSON *e = any->child; e && !matched; e = e->next) {
            Ctx trial{c.root, "", c.depth, c.steps};
            matched = check(trial, e, v, path);
        }
        if (*c.steps > kMaxSteps) return fail(c, path, "the schema is too complex to check");
        if (!matched) return fail(c, path, std::string("matches none of the schema's ") + k + " alternatives");
    }
    return true;
}

bool check(Ctx &c, const cJSON *s, const cJSON *v, const std::string &path) {
    if (cJSON_IsBool(s)) return cJSON_IsTrue(s) || fail(c, path, "not allowed by the schema");
    if (!cJSON_IsObject(s)) return true;
    if (++*c.steps > kMaxSteps) return fail(c, path, "the schema is too complex to check");
    if (++c.depth > kMaxDepth) return fail(c, path, "schema nests deeper than 64 levels");
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
    bool ok = true;
    if (cJSON_IsString(ref)) {
        const cJSON *target = resolve(c.root, ref->valuestring);
        ok = target ? check(c, target, v, path) : fail(c, path, std::string("unresolvable $ref ") + ref->valuestring);
    }
    ok = ok && check_type(c, s, v, path) && check_enum(c, s, v, path) && check_object(c, s, v, path) &&
         check_array(c, s, v, path) && check_scalar(c, s, v, path) && check_combinators(c, s, v, path);
    c.depth--;
    return ok;
}

// Calls fn on every schema object in the document (values of the keywords
// that hold schemas, and of $defs / definitions).
template <typename Fn>
bool walk(const cJSON *s, const std::string &path, Fn &&fn, int depth = 0) {
    if (!cJSON_IsObject(s) || depth > kMaxDepth) return true;
    if (!fn(s, path)) return false;
    for (const cJSON *m = s->child; m; m = m->next) {
        const char *k = m->string;
        bool map = !strcmp(k, "properties") || !strcmp(k, "$defs") || !strcmp(k, "definitions");
        bool list = !strcmp(k, "anyOf") || !strcmp(k, "oneOf") || !strcmp(k, "allOf") || !strcmp(k, "prefixItems");
        bool one = !strcmp(k, "items") || !strcmp(k, "additionalProperties") || !strcmp(k, "not");
        if (map || list) {
            for (const cJSON *e = m->child; e; e = e->next)
                if (!walk(e, path + "." + k + (map ? "." + std::string(e->string) : ""), fn, depth + 1)) return false;
        } else if (one && !walk(m, path + "." + k, fn, depth + 1)) {
            return false;
        }
    }
    return true;
}

bool closed_and_all_required(const cJSON *s, const std::string &path, std::string &why) {
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
    bool object = props || (cJSON_IsString(type) && !strcmp(type->valuestring, "object"));
    if (!object) return true;
    if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "additionalProperties"))) {
        why = path + ": an object without \"additionalProperties\": false";
        return false;
    }
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
    for (const cJSON *p = props ? props->child : nullptr; p; p = p->next) {
        bool listed = false;
        for (const cJSON *r = cJSON_IsArray(req) ? req->child : nullptr; r; r = r->next)
            listed |= cJSON_IsString(r) && !strcmp(r->valuestring, p->string);
        if (!listed) {
            why = path + ": property '" + p->string + "' is optional";
            return false;
        }
    }
    return true;
}

void rewrite_refs(cJSON *node) {
    for (cJSON *m = node ? node->child : nullptr; m; m = m->next) {
        if (m->string && !strcmp(m->string, "$ref") && cJSON_IsString(m) &&
            !strncmp(m->valuestring, "#/definitions/", 14)) {
            std::string r = std::string("#/$defs/") + (m->valuestring + 14);
            cJSON_SetValuestring(m, r.c_str());
        }
        rewrite_refs(m);
    }
}

}  // namespace

bool json_schema_validate(const cJSON *root, const cJSON *schema, const cJSON *value, std::string &problem) {
    uint64_t steps = 0;
    Ctx c{root, "", 0, &steps};
    bool ok = check(c, schema, value, "$");
    problem = c.problem;
    return ok;
}

bool json_schema_refs_ok(const cJSON *schema, std::string &problem) {
    return walk(schema, "$", [&](const cJSON *s, const std::string &path) {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
        if (!ref || (cJSON_IsString(ref) && resolve(schema, ref->valuestring))) return true;
        std::string r = cJSON_IsString(ref) ? ref->valuestring : "(not a string)";
        problem = path + ": $ref '" + r.substr(0, 200) + "' is not a reference within the schema";
        return false;
    });
}

bool json_schema_strict_ready(const cJSON *schema, std::string &why) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "object") != 0) {
        why = "$: the root is not of type \"object\"";
        return false;
    }
    return walk(schema, "$", [&](const cJSON *s, const std::string &path) {
        return closed_and_all_required(s, path, why);
    });
}

void json_schema_use_defs(cJSON *schema) {
    if (!cJSON_IsObject(schema)) return;
    cJSON *defs = cJSON_DetachItemFromObjectCaseSensitive(schema, "definitions");
    cJSON *target = cJSON_GetObjectItemCaseSensitive(schema, "$defs");
    if (defs && !target) {
        cJSON_AddItemToObject(schema, "$defs", defs);
        defs = nullptr;
    }
    while (defs && defs->child) {  // both present: merge, $defs winning a clash
        cJSON *e = cJSON_DetachItemViaPointer(defs, defs->child);
        if (cJSON_GetObjectItemCaseSensitive(target, e->string)) cJSON_Delete(e);
        else cJSON_AddItemToObject(target, e->string, e);
    }
    cJSON_Delete(defs);
    rewrite_refs(schema);
}
