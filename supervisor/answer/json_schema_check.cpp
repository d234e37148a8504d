// json_schema_validate and json_schema_use_defs. The validator runs on the
// event loop over a model's answer and a client's schema: a schema's
// keywords are read in one pass, members are looked up through a
// NodeIndex, $ref targets are resolved once, and every node looked at is
// counted against one work budget, so $ref cycles, nested anyOf and huge
// objects end in time linear in the answer.
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "supervisor/answer/json_schema_check.h"
#include "supervisor/answer/json_schema_walk.h"

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
    std::unordered_map<const cJSON *, const cJSON *> refs;  // a $ref node → its target (or null)
};

// The keywords of one schema object, read in one pass over its members
// (the first of duplicate names wins, as with cJSON's lookups).
struct Keywords {
    const cJSON *ref = nullptr, *type = nullptr, *enum_ = nullptr, *const_ = nullptr, *properties = nullptr,
                *required = nullptr, *additional = nullptr, *items = nullptr, *prefix = nullptr, *min_items = nullptr,
                *max_items = nullptr, *min_length = nullptr, *max_length = nullptr, *minimum = nullptr,
                *maximum = nullptr, *exclusive_min = nullptr, *exclusive_max = nullptr, *all_of = nullptr,
                *any_of = nullptr, *one_of = nullptr;
};

void read_keywords(const cJSON *s, Keywords &k, uint64_t &work) {
    struct Slot {
        const char *name;
        const cJSON *Keywords::*field;
    };
    static const Slot slots[] = {
        {"$ref", &Keywords::ref},
        {"type", &Keywords::type},
        {"enum", &Keywords::enum_},
        {"const", &Keywords::const_},
        {"properties", &Keywords::properties},
        {"required", &Keywords::required},
        {"additionalProperties", &Keywords::additional},
        {"items", &Keywords::items},
        {"prefixItems", &Keywords::prefix},
        {"minItems", &Keywords::min_items},
        {"maxItems", &Keywords::max_items},
        {"minLength", &Keywords::min_length},
        {"maxLength", &Keywords::max_length},
        {"minimum", &Keywords::minimum},
        {"maximum", &Keywords::maximum},
        {"exclusiveMinimum", &Keywords::exclusive_min},
        {"exclusiveMaximum", &Keywords::exclusive_max},
        {"allOf", &Keywords::all_of},
        {"anyOf", &Keywords::any_of},
        {"oneOf", &Keywords::one_of},
    };
    for (const cJSON *m = s->child; m; m = m->next) {
        work++;
        const char *n = m->string;
        if (!n) continue;
        for (const Slot &slot : slots)
            if (n[0] == slot.name[0] && !strcmp(n, slot.name)) {
                if (!(k.*slot.field)) k.*slot.field = m;
                break;
            }
    }
}

// Records the first problem, built only when it can be shown (anyOf's
// trials fail by the thousand).
bool fail(Ctx &c, std::initializer_list<std::string_view> what) {
    if (c.quiet || !c.problem.empty()) return false;
    c.problem = cat({c.path.dotted(), ": "});
    for (auto w : what) c.problem.append(w);
    return false;
}

bool over_budget(const Ctx &c) { return c.work.spent > c.work.limit; }

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
        for (; x && y && !over_budget(c); x = x->next, y = y->next)
            if (!equal(c, x, y)) return false;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        if (json_schema::child_count(a) != json_schema::child_count(b)) return false;
        c.work.spent += json_schema::child_count(a);
        for (const cJSON *x = a->child; x && !over_budget(c); x = x->next) {
            const cJSON *y = c.index.member(b, x->string, c.work.spent);
            if (!y || !equal(c, x, y)) return false;
        }
        return !over_budget(c);
    }
    return true;  // null, true, false: the type says it all
}

bool check(Ctx &c, const cJSON *s, const cJSON *v);

bool check_type(Ctx &c, const Keywords &k, const cJSON *v) {
    const cJSON *t = k.type;
    if (!t) return true;
    if (cJSON_IsString(t)) return is_type(v, t->valuestring) || fail(c, {"expected ", t->valuestring});
    if (!cJSON_IsArray(t)) return true;
    for (const cJSON *e = t->child; e; e = e->next, c.work.spent++)
        if (cJSON_IsString(e) && is_type(v, e->valuestring)) return true;
    return fail(c, {"not of any type the schema allows"});
}

bool check_enum(Ctx &c, const Keywords &k, const cJSON *v) {
    if (k.const_ && !equal(c, k.const_, v)) return fail(c, {"does not equal the schema's const"});
    if (!cJSON_IsArray(k.enum_)) return true;
    for (const cJSON *e = k.enum_->child; e && !over_budget(c); e = e->next)
        if (equal(c, e, v)) return true;
    return fail(c, {"not one of the schema's enum values"});
}

bool check_object(Ctx &c, const Keywords &k, const cJSON *v) {
    if (!cJSON_IsObject(v)) return true;
    for (const cJSON *r = cJSON_IsArray(k.required) ? k.required->child : nullptr; r; r = r->next)
        if (cJSON_IsString(r) && !c.index.member(v, r->valuestring, c.work.spent))
            return fail(c, {"missing required property '", r->valuestring, "'"});
    for (const cJSON *m = v->child; m && !over_budget(c); m = m->next) {
        const cJSON *ps = c.index.member(k.properties, m->string, c.work.spent);
        PathStep at(c.path, m->string);
        if (ps && !check(c, ps, m)) return false;
        if (!ps && cJSON_IsFalse(k.additional)) return fail(c, {"property not allowed by the schema"});
        if (!ps && cJSON_IsObject(k.additional) && !check(c, k.additional, m)) return false;
    }
    return true;
}

bool check_array(Ctx &c, const Keywords &k, const cJSON *v) {
    if (!cJSON_IsArray(v)) return true;
    double n = static_cast<double>(json_schema::child_count(v));
    c.work.spent += static_cast<uint64_t>(n);
    if (cJSON_IsNumber(k.min_items) && n < k.min_items->valuedouble) return fail(c, {"fewer items than minItems"});
    if (cJSON_IsNumber(k.max_items) && n > k.max_items->valuedouble) return fail(c, {"more items than maxItems"});
    const cJSON *items = k.items, *prefix = k.prefix;
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

const cJSON *number(const cJSON *n) { return cJSON_IsNumber(n) ? n : nullptr; }

bool check_scalar(Ctx &c, const Keywords &k, const cJSON *v) {
    if (cJSON_IsString(v)) {
        const cJSON *mn = number(k.min_length), *mx = number(k.max_length);
        if (!mn && !mx) return true;
        double len = 0;
        for (const char *p = v->valuestring; *p; p++) len += (*p & 0xC0) != 0x80;
        c.work.spent += static_cast<uint64_t>(len) / 64;
        if (mn && len < mn->valuedouble) return fail(c, {"shorter than minLength"});
        if (mx && len > mx->valuedouble) return fail(c, {"longer than maxLength"});
    }
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        const cJSON *b;
        if ((b = number(k.minimum)) && x < b->valuedouble) return fail(c, {"below minimum"});
        if ((b = number(k.maximum)) && x > b->valuedouble) return fail(c, {"above maximum"});
        if ((b = number(k.exclusive_min)) && x <= b->valuedouble) return fail(c, {"not above exclusiveMinimum"});
        if ((b = number(k.exclusive_max)) && x >= b->valuedouble) return fail(c, {"not below exclusiveMaximum"});
    }
    return true;
}

bool check_combinators(Ctx &c, const Keywords &k, const cJSON *v) {
    for (const cJSON *e = cJSON_IsArray(k.all_of) ? k.all_of->child : nullptr; e; e = e->next)
        if (!check(c, e, v)) return false;
    for (auto [name, any] : {std::pair{"anyOf", k.any_of}, std::pair{"oneOf", k.one_of}}) {
        if (!cJSON_IsArray(any)) continue;
        bool matched = false;
        bool quiet = c.quiet;
        c.quiet = true;
        for (const cJSON *e = any->child; e && !matched && !over_budget(c); e = e->next) matched = check(c, e, v);
        c.quiet = quiet;
        if (over_budget(c)) return fail(c, {"the schema is too complex to check"});
        if (!matched) return fail(c, {"matches none of the schema's ", name, " alternatives"});
    }
    return true;
}

const cJSON *target_of(Ctx &c, const cJSON *ref) {
    auto it = c.refs.find(ref);
    if (it != c.refs.end()) return it->second;
    const cJSON *t = json_schema::resolve_ref(c.root, ref->valuestring, c.index, c.work.spent);
    c.refs.emplace(ref, t);
    return t;
}

bool check(Ctx &c, const cJSON *s, const cJSON *v) {
    if (cJSON_IsBool(s)) return cJSON_IsTrue(s) || fail(c, {"not allowed by the schema"});
    if (!cJSON_IsObject(s)) return true;
    if (++c.work.spent > c.work.limit) return fail(c, {"the schema is too complex to check"});
    if (c.depth >= kMaxDepth) return fail(c, {"schema nests deeper than 64 levels"});
    c.depth++;
    Keywords k;
    read_keywords(s, k, c.work.spent);
    bool ok = true;
    if (cJSON_IsString(k.ref)) {
        const cJSON *target = target_of(c, k.ref);
        std::string_view r(k.ref->valuestring);
        ok = target ? check(c, target, v) : fail(c, {"unresolvable $ref ", r.substr(0, 200)});
    }
    ok = ok && check_type(c, k, v) && check_enum(c, k, v) && check_object(c, k, v) && check_array(c, k, v) &&
         check_scalar(c, k, v) && check_combinators(c, k, v);
    c.depth--;
    if (ok && over_budget(c)) return fail(c, {"the schema is too complex to check"});
    return ok;
}

size_t node_count(const cJSON *v) {
    size_t n = 1;
    for (const cJSON *c = v ? v->child : nullptr; c; c = c->next) n += node_count(c);
    return n;
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
    SchemaWork &w = work ? *work : own;
    w.limit += kSchemaWorkPerValueNode * node_count(value);
    NodeIndex index;
    Path path;
    Ctx c{root, index, w, path, "", false, 0, {}};
    bool ok = check(c, schema, value);
    problem = c.problem;
    return ok;
}

namespace {

// Whether a name is defined in both: moving one into the other would then
// rebind a reference to a different schema.
bool defs_clash(const cJSON *defs, const cJSON *target) {
    if (!target) return false;
    std::unordered_set<std::string_view> taken;
    for (const cJSON *t = target->child; t; t = t->next)
        if (t->string) taken.insert(t->string);
    for (const cJSON *e = defs->child; e; e = e->next)
        if (e->string && taken.count(e->string)) return true;
    return false;
}

}  // namespace

void json_schema_use_defs(cJSON *schema) {
    if (!cJSON_IsObject(schema)) return;
    cJSON *defs = cJSON_GetObjectItemCaseSensitive(schema, "definitions");
    cJSON *target = cJSON_GetObjectItemCaseSensitive(schema, "$defs");
    if (!cJSON_IsObject(defs) || (target && !cJSON_IsObject(target))) return;  // not schemas: refused later
    // A name in both stays where it is: "#/definitions/x" must keep meaning
    // definitions.x (strict mode then refuses "definitions", by name).
    if (defs_clash(defs, target)) return;
    cJSON_DetachItemViaPointer(schema, defs);
    if (!target) {
        cJSON_AddItemToObject(schema, "$defs", defs);
    } else {  // both present, no name in both: merge
        while (defs->child) {
            cJSON *e = cJSON_DetachItemViaPointer(defs, defs->child);
            if (!e->string) {
                cJSON_Delete(e);
                continue;
            }
            cJSON_AddItemToObject(target, e->string, e);  // copies the name and frees e's
        }
        cJSON_Delete(defs);
    }
    rewrite_refs(schema);
}
