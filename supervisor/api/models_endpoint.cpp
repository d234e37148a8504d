// /v1/models lists what can be asked for; see model_names.h for the policy.
#include "supervisor/api/models_endpoint.h"

#include <cjson/cJSON.h>

#include <ctime>

#include "supervisor/api/router.h"
#include "supervisor/base/json_util.h"

namespace {

cJSON *model_object(const std::string &id, double created) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id.c_str());
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", created);
    cJSON_AddStringToObject(m, "owned_by", "codex-proxy");
    return m;
}

double started_at(ApiContext &api) {
    return static_cast<double>(time(nullptr)) - static_cast<double>(uv_now(api.loop) - api.started_ms) / 1000;
}

}  // namespace

void handle_models_list(HttpConnection &c) {
    ApiContext &api = api_context(c);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    double created = static_cast<double>(static_cast<long>(started_at(api)));
    for (const auto &id : model_names_listed(api.model_names)) cJSON_AddItemToArray(data, model_object(id, created));
    c.respond(200, "application/json", json_take(o));
}

void handle_model_get(HttpConnection &c, const std::string &id) {
    std::string codex_model;
    if (!model_names_resolve(api_context(c).model_names, id, codex_model)) {
        c.respond_error(api_error_model_not_found(id));
        return;
    }
    c.respond(200, "application/json",
              json_take(model_object(id, static_cast<double>(static_cast<long>(started_at(api_context(c)))))));
}
