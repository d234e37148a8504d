// One parsed HTTP request, and what its handling tells the access log.
#pragma once
#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct RequestStats {
    int64_t queue_ms = -1;  // time waiting for an executor
    int64_t codex_ms = -1;  // time the backend ran
    int exit_status = 0;
    const char *outcome = nullptr;
    std::string model;
};

struct HttpRequest {
    http_method method = HTTP_GET;
    std::string target;                                        // as sent
    std::string path;                                          // target without query
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
    size_t header_count(std::string_view lower_name) const {
        size_t n = 0;
        for (const auto &h : headers) n += h.first == lower_name;
        return n;
    }
    // Wipes and drops the values of the headers that carry credentials
    // (Authorization, Proxy-Authorization): once the key is checked, no
    // copy of it stays in the connection's memory.
    void wipe_credentials();
};

// RFC 9110 §5.6.2: a field name is a non-empty token; whitespace before the
// colon, or any other separator, is not part of one.
bool http_token_valid(std::string_view s);

// Zeroes every byte a string's buffer holds, then empties it.
void wipe_string(std::string &s);
// Appends, and when the buffer must grow, wipes the old one before it is
// freed, so that a value received in pieces leaves no stale copy behind.
void append_wiping(std::string &s, const char *data, size_t n);
