// Small cJSON helpers shared by the endpoint translators.
#pragma once
#include <cjson/cJSON.h>

#include <string>

// Prints compactly and frees the tree.
std::string json_take(cJSON *root);

// An owned parsed document.
struct JsonDoc {
    explicit JsonDoc(const std::string &text) : root(cJSON_ParseWithLength(text.data(), text.size())) {}
    ~JsonDoc() { cJSON_Delete(root); }
    JsonDoc(const JsonDoc &) = delete;
    JsonDoc &operator=(const JsonDoc &) = delete;
    cJSON *root;
};

const cJSON *json_get(const cJSON *obj, const char *key);
