#include "supervisor/base/openai_error.h"

#include <cjson/cJSON.h>

#include "supervisor/base/json_util.h"

std::string api_error_json(const ApiError &e) {
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(err, "message", e.message.c_str());
    cJSON_AddStringToObject(err, "type", e.type);
    if (!e.param.empty()) cJSON_AddStringToObject(err, "param", e.param.c_str());
    else cJSON_AddNullToObject(err, "param");
    if (e.code) cJSON_AddStringToObject(err, "code", e.code);
    else cJSON_AddNullToObject(err, "code");
    return json_take(root);
}

ApiError api_error_invalid(const std::string &message, std::string param, const char *code) {
    ApiError e;
    e.status = 400;
    e.message = message;
    e.type = "invalid_request_error";
    e.param = std::move(param);
    e.code = code;
    return e;
}

ApiError api_error_for_status(int status) {
    ApiError e;
    e.status = status;
    e.type = status < 500 || status == 501 ? "invalid_request_error" : "server_error";
    switch (status) {
    case 400:
        e.message = "The request could not be parsed as HTTP.";
        e.code = "bad_request";
        break;
    case 401:
        e.message = "Incorrect API key provided.";
        e.code = "invalid_api_key";
        break;
    case 404:
        e.message = "Unknown path.";
        e.code = "not_found";
        break;
    case 405:
        e.message = "Method not allowed on this path.";
        e.code = "method_not_allowed";
        break;
    case 408:
        e.message = "The request was not received in time.";
        e.code = "request_timeout";
        break;
    case 413:
        e.message = "The request body is larger than this proxy accepts.";
        e.code = "request_too_large";
        break;
    case 429:
        e.message = "Too many requests are waiting; try again shortly.";
        e.type = "rate_limit_error";
        e.code = "rate_limit_exceeded";
        break;
    case 431:
        e.message = "The request headers are larger than this proxy accepts.";
        e.code = "headers_too_large";
        break;
    case 501:
        e.message = "This endpoint is not implemented by codex-proxy.";
        e.code = "not_implemented";
        break;
    case 503:
        e.message = "The proxy is shutting down or has no executor available.";
        e.code = "unavailable";
        break;
    default:
        e.message = "Internal error.";
        e.code = "internal_error";
        break;
    }
    return e;
}

ApiError api_error_model_not_found(const std::string &model) {
    ApiError e =
        api_error_invalid("The model '" + model.substr(0, 128) + "' does not exist or you do not have access to it.",
                          "model", "model_not_found");
    e.status = 404;
    return e;
}
