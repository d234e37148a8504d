#include "supervisor/api/request_common.h"

#include <cstring>

#include "supervisor/api/image_input.h"
#include "supervisor/base/json_text.h"
#include "supervisor/codex/prompt.h"

bool parse_body_object(const std::string &body, cJSON *&root, ApiError &err) {
    root = json_parse_marking_nul(body);
    if (!cJSON_IsObject(root)) {
        err = api_error_invalid("We could not parse the JSON body of your request. The body must be a JSON object.", "",
                                "invalid_json");
    } else if (json_text_check(root, err)) {
        return true;
    }
    cJSON_Delete(root);
    root = nullptr;
    return false;
}

bool parse_model(const cJSON *root, const ModelNames &names, CompletionOptions &out, ApiError &err) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsString(m) || !*m->valuestring) {
        err = api_error_invalid("you must provide a model parameter", "model", "missing_required_parameter");
        return false;
    }
    out.model = m->valuestring;
    if (model_names_resolve(names, out.model, out.codex_model)) return true;
    err = api_error_model_not_found(out.model);
    return false;
}

bool parse_stream(const cJSON *root, bool &stream, ApiError &err) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "stream");
    if (!s || cJSON_IsNull(s)) return true;
    if (!cJSON_IsBool(s)) {
        err = api_error_invalid("'stream' must be a boolean.", "stream", "invalid_type");
        return false;
    }
    stream = cJSON_IsTrue(s);
    return true;
}

namespace {

bool is_image_part(const cJSON *type) {
    return cJSON_IsString(type) &&
           (!strcmp(type->valuestring, "image_url") || !strcmp(type->valuestring, "input_image"));
}

bool add_image(const cJSON *part, const std::string &p, std::string &out, std::vector<ipc::ImageFile> &images,
               ApiError &err) {
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(part, "image_url");
    if (cJSON_IsObject(url)) url = cJSON_GetObjectItemCaseSensitive(url, "url");  // chat's {url, detail}
    if (!cJSON_IsString(url)) {
        err = api_error_invalid("'" + p + ".image_url' must hold a data URL (file ids are not supported).",
                                p + ".image_url", "invalid_image");
        return false;
    }
    if (images.size() >= ipc::kMaxJobImages) {
        err = api_error_invalid("At most " + std::to_string(ipc::kMaxJobImages) + " images per request.", p,
                                "too_many_images");
        return false;
    }
    ipc::ImageFile f;
    if (!image_from_url(url->valuestring, p + ".image_url", f, err)) return false;
    images.push_back(std::move(f));
    if (!out.empty()) out += "\n";
    out += "[Image #" + std::to_string(images.size()) + "]";
    return true;
}

}  // namespace

bool content_text(const cJSON *content, const char *const *allowed, const std::string &param, std::string &out,
                  ApiError &err, std::vector<ipc::ImageFile> *images) {
    if (cJSON_IsString(content)) {
        out = content->valuestring;
        return true;
    }
    if (!cJSON_IsArray(content)) {
        err =
            api_error_invalid("'" + param + "' must be a string or an array of content parts.", param, "invalid_type");
        return false;
    }
    int i = 0;
    for (const cJSON *part = content->child; part; part = part->next, i++) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        std::string p = param + "[" + std::to_string(i) + "]";
        if (images && is_image_part(type)) {
            if (!add_image(part, p, out, *images, err)) return false;
            continue;
        }
        bool known = false;
        for (const char *const *a = allowed; *a && cJSON_IsString(type); a++)
            known |= strcmp(type->valuestring, *a) == 0;
        if (!known) {
            std::string t = cJSON_IsString(type) ? type->valuestring : "(missing)";
            err = api_error_invalid("Content part type '" + t + "' is not supported by codex-proxy.", p + ".type",
                                    "unsupported_content_type");
            return false;
        }
        if (!cJSON_IsString(text)) {
            err = api_error_invalid("'" + p + ".text' must be a string.", p + ".text", "invalid_type");
            return false;
        }
        if (!out.empty()) out += "\n";
        out += text->valuestring;
    }
    return true;
}

bool check_prompt_size(const std::string &prompt, const char *param, ApiError &err) {
    size_t n = utf8_char_count(prompt);
    if (n <= kCodexMaxInputChars) return true;
    err = api_error_invalid("The conversation is " + std::to_string(n) +
                                " characters long once rendered for codex, which accepts at most " +
                                std::to_string(kCodexMaxInputChars) + ".",
                            param, "context_length_exceeded");
    return false;
}

bool PromptBudget::add(std::string_view text, const char *param, ApiError &err) {
    chars_ += utf8_char_count(text);
    if (chars_ <= kCodexMaxInputChars) return true;
    err = api_error_invalid("The conversation is more than " + std::to_string(kCodexMaxInputChars) +
                                " characters long once rendered for codex, which accepts at most " +
                                std::to_string(kCodexMaxInputChars) + ".",
                            param, "context_length_exceeded");
    return false;
}

bool PromptBudget::add(const Turn &t, const char *param, ApiError &err) {
    return add(t.content, param, err) && add(t.tool_calls.text(), param, err);
}

namespace {

// Rust's char::is_whitespace (codex trims with it), on UTF-8 at s[i]: the
// whitespace character's length in bytes, or 0.
size_t whitespace_at(const std::string &s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
    if (c == 0xc2 && i + 1 < s.size()) {
        unsigned char d = static_cast<unsigned char>(s[i + 1]);
        return d == 0x85 || d == 0xa0 ? 2 : 0;
    }
    if ((c & 0xf0) != 0xe0 || i + 2 >= s.size()) return 0;
    unsigned cp = (c & 0x0fu) << 12 | (static_cast<unsigned char>(s[i + 1]) & 0x3fu) << 6 |
                  (static_cast<unsigned char>(s[i + 2]) & 0x3fu);
    bool ws = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
              cp == 0x205f || cp == 0x3000;
    return ws ? 3 : 0;
}

}  // namespace

bool check_prompt_not_blank(const std::string &prompt, const char *param, ApiError &err) {
    for (size_t i = 0; i < prompt.size();) {
        size_t n = whitespace_at(prompt, i);
        if (!n) return true;
        i += n;
    }
    err = api_error_invalid(std::string("'") + param + "' has no text: codex does not answer an empty prompt.", param,
                            "invalid_value");
    return false;
}

bool parse_reasoning_effort(const cJSON *value, const char *param, std::string &out, ApiError &err) {
    static const char *const kEfforts[] = {"none", "minimal", "low", "medium", "high", "xhigh"};
    if (!value || cJSON_IsNull(value)) return true;
    for (const char *e : kEfforts)
        if (cJSON_IsString(value) && strcmp(value->valuestring, e) == 0) return out = e, true;
    err = api_error_invalid(std::string("'") + param + "' must be one of none, minimal, low, medium, high, xhigh.",
                            param, "invalid_value");
    return false;
}
