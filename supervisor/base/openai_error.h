// The OpenAI error envelope: {"error":{"message","type","param","code"}}.
//
// Every error the proxy sends, on every path, is built here so that clients
// (the openai SDKs read `status` first, then `error.code`) see one shape.
#pragma once
#include <string>

struct ApiError {
    int status = 500;
    std::string message;
    const char *type = "server_error";
    const char *code = nullptr;  // null: JSON null
    std::string param;           // empty: JSON null
};

// The envelope as compact JSON.
std::string api_error_json(const ApiError &e);

// Common errors, one place for their wording.
ApiError api_error_invalid(const std::string &message, std::string param, const char *code = nullptr);
ApiError api_error_for_status(int status);
// 404 model_not_found, naming the model as OpenAI does.
ApiError api_error_model_not_found(const std::string &model);
