#include "supervisor/answer/json_schema_walk.h"

#include <cstring>

namespace json_schema {

namespace {

constexpr size_t kMaxPathChars = 300;
constexpr size_t kScanLimit = 8;  // containers up to this size are scanned, not indexed

void append_index(std::string &out, size_t i) { out += std::to_string(i); }

// A JSON pointer token: digits without a leading zero, as an index.
bool array_index(const std::string &tok, size_t &out) {
    if (tok.empty() || tok.size() > 9 || (tok.size() > 1 && tok[0] == '0')) return false;
    out = 0;
    for (char ch : tok) {
        if (ch < '0' || ch > '9') return false;
        out = out * 10 + static_cast<size_t>(ch - '0');
    }
    return true;
}

}  // namespace

std::string cat(std::initializer_list<std::string_view> parts) {
    size_t n = 0;
    for (auto p : parts) n += p.size();
    std::string out;
    out.reserve(n);
    for (auto p : parts) out.append(p.data(), p.size());
    return out;
}

std::string Path::pointer() const {
    std::string out = "#";
    for (const Seg &s : segs_) {
        if (out.size() > kMaxPathChars) return out.append("/…");
        out.push_back('/');
        if (!s.key) {
            append_index(out, s.index);
            continue;
        }
        for (const char *c = s.key; *c && out.size() <= kMaxPathChars; c++) {
            if (*c == '~') out.append("~0");
            else if (*c == '/') out.append("~1");
            else out.push_back(*c);
        }
    }
    return out;
}

std::string Path::dotted() const {
    std::string out = "$";
    for (const Seg &s : segs_) {
        if (out.size() > kMaxPathChars) return out.append("…");
        if (!s.key) {
            out.push_back('[');
            append_index(out, s.index);
            out.push_back(']');
            continue;
        }
        out.push_back('.');
        out.append(s.key, strnlen(s.key, kMaxPathChars));
    }
    return out;
}

size_t child_count(const cJSON *node) {
    size_t n = 0;
    for (const cJSON *c = node ? node->child : nullptr; c; c = c->next) n++;
    return n;
}

const cJSON *NodeIndex::member(const cJSON *obj, const char *name, uint64_t &work) {
    if (!cJSON_IsObject(obj) || !name) return nullptr;
    auto it = members_.find(obj);
    if (it == members_.end()) {
        size_t n = 0;
        for (const cJSON *c = obj->child; c && n <= kScanLimit; c = c->next, n++) {}
        if (n <= kScanLimit) {
            work += n;
            for (const cJSON *c = obj->child; c; c = c->next)
                if (c->string && strcmp(c->string, name) == 0) return c;
            return nullptr;
        }
        auto &m = members_[obj];
        for (const cJSON *c = obj->child; c; c = c->next, work++)
            if (c->string) m.emplace(c->string, c);  // the first of duplicate names wins, as with cJSON
        it = members_.find(obj);
    }
    work++;
    auto found = it->second.find(name);
    return found == it->second.end() ? nullptr : found->second;
}

const cJSON *NodeIndex::element(const cJSON *arr, size_t i, uint64_t &work) {
    if (!cJSON_IsArray(arr)) return nullptr;
    auto it = elements_.find(arr);
    if (it == elements_.end()) {
        auto &v = elements_[arr];
        for (const cJSON *c = arr->child; c; c = c->next, work++) v.push_back(c);
        it = elements_.find(arr);
    }
    work++;
    return i < it->second.size() ? it->second[i] : nullptr;
}

const cJSON *resolve_ref(const cJSON *root, const char *ref, NodeIndex &index, uint64_t &work) {
    if (!ref || ref[0] != '#') return nullptr;
    if (ref[1] == '\0') return root;
    if (ref[1] != '/') return nullptr;
    const cJSON *node = root;
    const char *p = ref + 2;
    while (node) {
        const char *end = strchr(p, '/');
        size_t len = end ? static_cast<size_t>(end - p) : strlen(p);
        work += len + 1;
        std::string tok;
        tok.reserve(len);
        for (size_t i = 0; i < len; i++) {
            bool escape = p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1');
            if (escape) tok.push_back(p[++i] == '1' ? '/' : '~');
            else tok.push_back(p[i]);
        }
        size_t at = 0;
        if (cJSON_IsArray(node)) node = array_index(tok, at) ? index.element(node, at, work) : nullptr;
        else node = index.member(node, tok.c_str(), work);
        if (!end) break;
        p = end + 1;
    }
    return node;
}

}  // namespace json_schema
