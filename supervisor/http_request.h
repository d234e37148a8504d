// One parsed HTTP request, and what its handling tells the access log.
#pragma once
#include <http_parser.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct RequestStats {
    int64_t queue_ms = -1;   // time waiting for an executor
    int64_t codex_ms = -1;   // time the backend ran
    int exit_status = 0;
    const char *outcome = nullptr;
    std::string model;
};

struct HttpRequest {
    http_method method = HTTP_GET;
    std::string target;  // as sent
    std::string path;    // target without query
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string request_id;
    uint64_t start_ms = 0;
    RequestStats stats;

    const std::string *header(std::string_view lower_name) const {
        for (const auto &h : headers)
            if (h.first == lower_name) return &h.second;
        return nullptr;
    }
};
