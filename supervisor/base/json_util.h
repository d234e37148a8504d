// Small cJSON helpers shared by the endpoint translators.
#pragma once
#include <cjson/cJSON.h>

#include <string>

#include "common/json_doc.h"

// Prints compactly and frees the tree.
std::string json_take(cJSON *root);

const cJSON *json_get(const cJSON *obj, const char *key);
