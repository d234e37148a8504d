// An owned cJSON document: parsed on construction, freed on destruction.
#pragma once
#include <cjson/cJSON.h>

#include <string_view>

struct JsonDoc {
    explicit JsonDoc(std::string_view text) : root(cJSON_ParseWithLength(text.data(), text.size())) {}
    ~JsonDoc() { cJSON_Delete(root); }
    JsonDoc(const JsonDoc &) = delete;
    JsonDoc &operator=(const JsonDoc &) = delete;
    cJSON *root;
};
