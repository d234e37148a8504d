// json_schema_validate and json_schema_use_defs. The validator runs on the
// event loop over a model's answer and a client's schema: every lookup goes
// through a NodeIndex and every node looked at is counted against one work
// budget, so $ref cycles, nested anyOf and huge objects end in bounded time.
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "supervisor/json_schema_check.h"
#include "supervisor/json_schema_walk.h"

using json_schema::cat;
using json_schema::NodeIndex;
using json_schema::Path;
using json_schema::PathStep;

namespace {

constexpr int kMaxDepth = 64;  // $ref cycles and deep documents end here

struct Ctx {
    const cJSON *root;
    NodeIndex &index;
    SchemaWork &work;
    Path &path;
    std::string problem;
    bool quiet = false;  // an anyOf trial: its problem is never shown
    int depth = 0;
};

bool fail(Ctx &c, std::string_view what) {
    if (!c.quiet && c.problem.empty()) c.problem = cat({c.path.dotted(), ": ", what});
    return false;
}

bool over_budget(const Ctx &c) { return c.work.spent > kSchemaWorkLimit; }

const cJSON *kw(Ctx &c, const cJSON *s, const char *name) { return c.index.member(s, name, c.work.spent); }

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

// cJSON_Compare, without its quadratic object comparison: members are
// looked up through the index, and every node compared is counted.
bool equal(Ctx &c, const cJSON *a, const cJSON *b) {
    c.work.spent++;
    if ((a->type & 0xFF) != (b->type & 0xFF)) return false;
    if (cJSON_IsNumber(a)) return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a)) {
        c.work.spent += strlen(a->valuestring) / 64;
        return strcmp(a->valuestring, b->valuestring) == 0;
    }
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!equal(c, x, y)) return false;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        if (json_schema::child_count(a) != json_schema::child_count(b)) return false;
        c.work.spent += json_schema::child_count(a);
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = c.index.member(b, x->string, c.work.spent);
            if (!y || !equal(c, x, y)) return false;
        }
        return true;
    }
    return true;  // null, true, false: the type says it all
}

bool check(Ctx &c, const cJSON *s, const cJSON *v);

bool check_type(Ctx &c, const cJSON *s, const cJSON *v) {
    const cJSON *t = kw(c, s, "type");
    if (!t) return true;
    if (cJSON_IsString(t)) return is_type(v, t->valuestring) || fail(c, cat({"expected ", t->valuestring}));
    if (!cJSON_IsArray(t)) return true;
    for (const cJSON *e = t->child; e; e = e->next, c.work.spent++)
        if (cJSON_IsString(e) && is_type(v, e->valuestring)) return true;
    return fail(c, "not of any type the schema allows");
}

bool check_enum(Ctx &c, const cJSON *s, const cJSON *v) {
    const cJSON *cst = kw(c, s, "const");
    if (cst && !equal(c, cst, v)) return fail(c, "does not equal the schema's const");
    const cJSON *en = kw(c, s, "enum");
    if (!cJSON_IsArray(en)) return true;
    for (const cJSON *e = en->child; e && !over_budget(c); e = e->next)
        if (equal(c, e, v)) return true;
    return fail(c, "not one of the schema's enum values");
}

bool check_object(Ctx &c, const cJSON *s, const cJSON *v) {
    if (!cJSON_IsObject(v)) return true;
    const cJSON *props = kw(c, s, "properties");
    const cJSON *req = kw(c, s, "required");
    for (const cJSON *r = cJSON_IsArray(req) ? req->child : nullptr; r; r = r->next)
        if (cJSON_IsString(r) && !c.index.member(v, r->valuestring, c.work.spent))
            return fail(c, cat({"missing required property '", r->valuestring, "'"}));
    const cJSON *extra = kw(c, s, "additionalProperties");
    for (const cJSON *m = v->child; m && !over_budget(c); m = m->next) {
        const cJSON *ps = c.index.member(props, m->string, c.work.spent);
        PathStep at(c.path, m->string);
        if (ps && !check(c, ps, m)) return false;
        if (!ps && cJSON_IsFalse(extra)) return fail(c, "property not allowed by the schema");
        if (!ps && cJSON_IsObject(extra) && !check(c, extra, m)) return false;
    }
    return true;
}

bool check_array(Ctx &c, const cJSON *s, const cJSON *v) {
    if (!cJSON_IsArray(v)) return true;
    double n = static_cast<double>(json_schema::child_count(v));
    c.work.spent += static_cast<uint64_t>(n);
    const cJSON *mn = kw(c, s, "minItems");
    const cJSON *mx = kw(c, s, "maxItems");
    if (cJSON_IsNumber(mn) && n < mn->valuedouble) return fail(c, "fewer items than minItems");
    if (cJSON_IsNumber(mx) && n > mx->valuedouble) return fail(c, "more items than maxItems");
    const cJSON *items = kw(c, s, "items");
    const cJSON *prefix = kw(c, s, "prefixItems");
    if (cJSON_IsArray(items)) std::swap(items, prefix);  // the older tuple form
    const cJSON *ps = cJSON_IsArray(prefix) ? prefix->child : nullptr;
    size_t i = 0;
    for (const cJSON *e = v->child; e && !over_budget(c); e = e->next, i++) {
        const cJSON *es = ps ? ps : items;
        if (ps) ps = ps->next;
        PathStep at(c.path, i);
        if (es && !check(c, es, e)) return false;
    }
    return true;
}

bool check_scalar(Ctx &c, const cJSON *s, const cJSON *v) {
    auto num = [&](const char *k) {
        const cJSON *n = kw(c, s, k);
        return cJSON_IsNumber(n) ? n : nullptr;
    };
    if (cJSON_IsString(v)) {
        const cJSON *mn = num("minLength"), *mx = num("maxLength");
        if (!mn && !mx) return true;
        double len = 0;
        for (const char *p = v->valuestring; *p; p++) len += (*p & 0xC0) != 0x80;
        c.work.spent += static_cast<uint64_t>(len) / 64;
        if (mn && len < mn->valuedouble) return fail(c, "shorter than minLength");
        if (mx && len > mx->valuedouble) return fail(c, "longer than maxLength");
    }
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        const cJSON *b;
        if ((b = num("minimum")) && x < b->valuedouble) return fail(c, "below minimum");
        if ((b = num("maximum")) && x > b->valuedouble) return fail(c, "above maximum");
        if ((b = num("exclusiveMinimum")) && x <= b->valuedouble) return fail(c, "not above exclusiveMinimum");
        if ((b = num("exclusiveMaximum")) && x >= b->valuedouble) return fail(c, "not below exclusiveMaximum");
    }
    return true;
}

bool check_combinators(Ctx &c, const cJSON *s, const cJSON *v) {
    const cJSON *all = kw(c, s, "allOf");
    for (const cJSON *e = cJSON_IsArray(all) ? all->child : nullptr; e; e = e->next)
        if (!check(c, e, v)) return false;
    for (const char *k : {"anyOf", "oneOf"}) {
        const cJSON *any = kw(c, s, k);
        if (!cJSON_IsArray(any)) continue;
        bool matched = false;
        bool quiet = c.quiet;
        c.quiet = true;
        for (const cJSON *e = any->child; e && !matched && !over_budget(c); e = e->next) matched = check(c, e, v);
        c.quiet = quiet;
        if (over_budget(c)) return fail(c, "the schema is too complex to check");
        if (!matched) return fail(c, cat({"matches none of the schema's ", k, " alternatives"}));
    }
    return true;
}

bool check(Ctx &c, const cJSON *s, const cJSON *v) {
    if (cJSON_IsBool(s)) return cJSON_IsTrue(s) || fail(c, "not allowed by the schema");
    if (!cJSON_IsObject(s)) return true;
    if (++c.work.spent > kSchemaWorkLimit) return fail(c, "the schema is too complex to check");
    if (c.depth >= kMaxDepth) return fail(c, "schema nests deeper than 64 levels");
    c.depth++;
    const cJSON *ref = kw(c, s, "$ref");
    bool ok = true;
    if (cJSON_IsString(ref)) {
        const cJSON *target = json_schema::resolve_ref(c.root, ref->valuestring, c.index, c.work.spent);
        std::string_view r(ref->valuestring);
        ok = target ? check(c, target, v) : fail(c, cat({"unresolvable $ref ", r.substr(0, 200)}));
    }
    ok = ok && check_type(c, s, v) && check_enum(c, s, v) && check_object(c, s, v) && check_array(c, s, v) &&
         check_scalar(c, s, v) && check_combinators(c, s, v);
    c.depth--;
    if (ok && over_budget(c)) return fail(c, "the schema is too complex to check");
    return ok;
}

void rewrite_refs(cJSON *node) {
    for (cJSON *m = node ? node->child : nullptr; m; m = m->next) {
        if (m->string && !strcmp(m->string, "$ref") && cJSON_IsString(m) &&
            !strncmp(m->valuestring, "#/definitions/", 14)) {
            std::string r = cat({"#/$defs/", m->valuestring + 14});
            cJSON_SetValuestring(m, r.c_str());
        }
        rewrite_refs(m);
    }
}

}  // namespace

bool json_schema_validate(const cJSON *root, const cJSON *schema, const cJSON *value, std::string &problem,
                          SchemaWork *work) {
    SchemaWork own;
    NodeIndex index;
    Path path;
    Ctx c{root, index, work ? *work : own, path, "", false, 0};
    bool ok = check(c, schema, value);
    problem = c.problem;
    return ok;
}

void json_schema_use_defs(cJSON *schema) {
    if (!cJSON_IsObject(schema)) return;
    cJSON *defs = cJSON_GetObjectItemCaseSensitive(schema, "definitions");
    cJSON *target = cJSON_GetObjectItemCaseSensitive(schema, "$defs");
    if (!cJSON_IsObject(defs) || (target && !cJSON_IsObject(target))) return;  // not schemas: refused later
    cJSON_DetachItemViaPointer(schema, defs);
    if (!target) {
        cJSON_AddItemToObject(schema, "$defs", defs);
    } else {  // both present: merge, $defs winning a clash
        std::unordered_set<std::string_view> taken;
        for (const cJSON *t = target->child; t; t = t->next)
            if (t->string) taken.insert(t->string);
        while (defs->child) {
            cJSON *e = cJSON_DetachItemViaPointer(defs, defs->child);
            if (!e->string || taken.count(e->string)) {
                cJSON_Delete(e);
                continue;
            }
            cJSON_AddItemToObject(target, e->string, e);  // copies the name and frees e's
            taken.insert(e->string);
        }
        cJSON_Delete(defs);
    }
    rewrite_refs(schema);
}
