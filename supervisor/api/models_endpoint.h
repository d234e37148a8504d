#pragma once
#include <string>

#include "supervisor/http/http_connection.h"
// GET /v1/models and GET /v1/models/{id}.
void handle_models_list(HttpConnection &c);
void handle_model_get(HttpConnection &c, const std::string &id);
