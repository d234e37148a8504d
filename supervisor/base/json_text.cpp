#include "supervisor/base/json_text.h"

#include <cstring>
#include <vector>

namespace {

constexpr char kNulMark[] = "\xC0\x80";

// The body with each NUL inside a string replaced by kNulMark; a scan of
// JSON's string syntax, so an escaped backslash before "u0000" is no NUL.
std::string mark_nul(const std::string &body) {
    std::string out;
    out.reserve(body.size());
    bool in_string = false;
    for (size_t i = 0; i < body.size(); i++) {
        char c = body[i];
        if (!in_string) {
            in_string = c == '"';
            out.push_back(c);
        } else if (c == '"') {
            in_string = false;
            out.push_back(c);
        } else if (c == '\0') {
            out += kNulMark;
        } else if (c == '\\' && body.compare(i + 1, 5, "u0000") == 0) {
            out += kNulMark;
            i += 5;
        } else if (c == '\\' && i + 1 < body.size()) {
            out.push_back(c);
            out.push_back(body[++i]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

enum class Text { Ok, Nul, BadUtf8 };

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
Text check_text(const char *s) {
    const auto *p = reinterpret_cast<const unsigned char *>(s);
    while (*p) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c == 0xC0 && p[1] == 0x80) return Text::Nul;
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) n = 1;
        else if (c == 0xE0) n = 2, lo = 0xA0;
        else if (c == 0xED) n = 2, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF) n = 2;
        else if (c == 0xF0) n = 3, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) n = 3;
        else if (c == 0xF4) n = 3, hi = 0x8F;
        else return Text::BadUtf8;
        if (p[1] < lo || p[1] > hi) return Text::BadUtf8;
        for (size_t k = 2; k <= n; k++)
            if (p[k] < 0x80 || p[k] > 0xBF) return Text::BadUtf8;
        p += n + 1;
    }
    return Text::Ok;
}

// One step of the path to a value: an object's key or an array's index.
struct Step {
    const char *key;  // null: index
    int index;
};

std::string path_of(const std::vector<Step> &path) {
    std::string out;
    // Appends, not "[" + std::to_string(...): GCC 12 -O3 warns falsely on
    // a literal plus a temporary string (-Wrestrict, PR105329).
    for (const Step &s : path) {
        if (!s.key) out.append(1, '[').append(std::to_string(s.index)).append(1, ']');
        else out.append(out.empty() ? "" : ".").append(s.key);
    }
    return out;
}

bool refuse(Text t, std::vector<Step> &path, ApiError &err) {
    std::string param = path_of(path);
    std::string message = "Invalid ";
    if (param.empty()) message.append("the request body");
    else message.append(1, '\'').append(param).append(1, '\'');
    // A name made of bad bytes cannot be shown: the error names its parent.
    message.append(t == Text::Nul ? ": it contains a NUL character (\\u0000)." : ": it is not valid UTF-8.");
    err = api_error_invalid(message, param, "invalid_value");
    return false;
}

bool walk(const cJSON *v, std::vector<Step> &path, ApiError &err) {
    if (cJSON_IsString(v) && v->valuestring) {
        Text t = check_text(v->valuestring);
        return t == Text::Ok || refuse(t, path, err);
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) return true;
    int i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (cJSON_IsObject(v)) {
            Text t = c->string ? check_text(c->string) : Text::Ok;
            if (t != Text::Ok) return refuse(t, path, err);
            path.push_back(Step{c->string ? c->string : "", 0});
        } else {
            path.push_back(Step{nullptr, i});
        }
        if (!walk(c, path, err)) return false;
        path.pop_back();
    }
    return true;
}

}  // namespace

cJSON *json_parse_marking_nul(const std::string &body) {
    bool has_nul = memchr(body.data(), '\0', body.size()) || body.find("\\u0000") != std::string::npos;
    if (!has_nul) return cJSON_ParseWithLength(body.data(), body.size());
    std::string marked = mark_nul(body);
    return cJSON_ParseWithLength(marked.data(), marked.size());
}

bool json_text_check(const cJSON *root, ApiError &err) {
    std::vector<Step> path;
    return walk(root, path, err);
}
