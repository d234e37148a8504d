#include "supervisor/base/json_util.h"

#include <cstdlib>

std::string json_take(cJSON *root) {
    char *s = cJSON_PrintUnformatted(root);
    std::string out = s ? s : "null";
    free(s);
    cJSON_Delete(root);
    return out;
}

const cJSON *json_get(const cJSON *obj, const char *key) {
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : nullptr;
}
