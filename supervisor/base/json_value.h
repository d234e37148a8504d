// A JSON value parsed once and then only read: a client's schema, a turn's
// tool calls. Copies share the one tree, and since no holder changes it,
// any thread may read it (request parsing and answer checks run on the
// threadpool: off_loop.h).
#pragma once
#include <cjson/cJSON.h>

#include <memory>
#include <string>
#include <string_view>

class JsonValue {
public:
    JsonValue() = default;
    // Takes root (null: empty).
    explicit JsonValue(cJSON *root) : root_(root, cJSON_Delete) {}
    // Empty when text is not JSON.
    static JsonValue parse(std::string_view text) { return JsonValue(cJSON_ParseWithLength(text.data(), text.size())); }

    const cJSON *get() const { return root_.get(); }
    explicit operator bool() const { return root_ != nullptr; }
    // Compact JSON text; empty when the value is.
    std::string text() const {
        if (!root_) return "";
        char *s = cJSON_PrintUnformatted(root_.get());
        std::string out = s ? s : "";
        cJSON_free(s);
        return out;
    }
    // A node for a tree being built (an array's or object's members, not
    // copied): valid while this value lives; deleting the tree leaves them.
    cJSON *reference() const;

private:
    std::shared_ptr<const cJSON> root_;
};

inline cJSON *JsonValue::reference() const {
    const cJSON *r = root_.get();
    if (cJSON_IsArray(r)) return cJSON_CreateArrayReference(r->child);
    if (cJSON_IsObject(r)) return cJSON_CreateObjectReference(r->child);
    return cJSON_Duplicate(r, true);  // a scalar: small, and null stays null
}
