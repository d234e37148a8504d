// What every walk of a client's schema shares: where it is (written out
// only when a problem is reported, so a deep walk never copies long paths),
// members and elements looked up in constant time after one pass, and
// local $ref resolution. All of it accepts any JSON shape.
#pragma once
#include <cjson/cJSON.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace json_schema {

// Concatenation without operator+ chains (GCC 12 -O3 warns falsely on them).
std::string cat(std::initializer_list<std::string_view> parts);

// A stack of member names and array indexes.
class Path {
public:
    void push(const char *key) { segs_.push_back({key ? key : "", 0}); }
    void push(size_t index) { segs_.push_back({nullptr, index}); }
    void pop() { segs_.pop_back(); }
    std::string pointer() const;  // "#/properties/a/anyOf/0", at most ~300 characters
    std::string dotted() const;   // "$.a[1]", at most ~300 characters

private:
    struct Seg {
        const char *key;  // null: an array index
        size_t index;
    };
    std::vector<Seg> segs_;
};

// One step down a Path for the life of a scope.
class PathStep {
public:
    PathStep(Path &p, const char *key) : p_(p) { p_.push(key); }
    PathStep(Path &p, size_t index) : p_(p) { p_.push(index); }
    ~PathStep() { p_.pop(); }
    PathStep(const PathStep &) = delete;
    PathStep &operator=(const PathStep &) = delete;

private:
    Path &p_;
};

// Looks up object members by name and array elements by position. Small
// containers are scanned; a large one is indexed on its first lookup, so
// n lookups in a container of m cost O(n + m), not O(n m). work counts the
// nodes looked at.
class NodeIndex {
public:
    const cJSON *member(const cJSON *obj, const char *name, uint64_t &work);
    const cJSON *element(const cJSON *arr, size_t i, uint64_t &work);

private:
    std::unordered_map<const cJSON *, std::unordered_map<std::string_view, const cJSON *>> members_;
    std::unordered_map<const cJSON *, std::vector<const cJSON *>> elements_;
};

// A local reference ("#" or a JSON pointer "#/a/b") resolved in root, or null.
const cJSON *resolve_ref(const cJSON *root, const char *ref, NodeIndex &index, uint64_t &work);

// How many members or elements a container has.
size_t child_count(const cJSON *node);

}  // namespace json_schema
