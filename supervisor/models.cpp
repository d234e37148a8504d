// Model names: any name a client sends is accepted and echoed back, and
// codex runs CODEX_MODEL (or its own default). So /v1/models lists the one
// model codex runs, and /v1/models/{id} answers for any id: a client that
// checks its hard-coded model exists before using it keeps working.
#include "supervisor/models.h"

#include <cjson/cJSON.h>

#include <ctime>

#include "supervisor/app.h"
#include "supervisor/json_util.h"

namespace {

constexpr const char *kDefaultModelId = "codex";

cJSON *model_object(const std::string &id, double created) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id.c_str());
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", created);
    cJSON_AddStringToObject(m, "owned_by", "codex-proxy");
    return m;
}

double started_at(App &app) { return static_cast<double>(time(nullptr)) - static_cast<double>(uv_now(app.loop) - app.started_ms) / 1000; }

}  // namespace

void handle_models_list(HttpConnection &c) {
    App &app = c.app();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    const std::string &id = app.cfg.codex_model.empty() ? std::string(kDefaultModelId) : app.cfg.codex_model;
    cJSON_AddItemToArray(data, model_object(id, static_cast<double>(static_cast<long>(started_at(app)))));
    c.respond(200, "application/json", json_take(o));
}

void handle_model_get(HttpConnection &c, const std::string &id) {
    c.respond(200, "application/json", json_take(model_object(id, static_cast<double>(static_cast<long>(started_at(c.app()))))));
}
