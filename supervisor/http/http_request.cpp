#include "supervisor/http/http_request.h"

#include <sodium.h>

#include <algorithm>

void HttpRequest::wipe_credentials() {
    for (auto &h : headers)
        if (h.first == "authorization" || h.first == "proxy-authorization") wipe_string(h.second);
}

bool http_token_valid(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos);
        if (!ok) return false;
    }
    return true;
}

void wipe_string(std::string &s) {
    s.resize(s.capacity());  // the bytes past size() belong to the buffer too
    sodium_memzero(s.data(), s.size());
    s.clear();
}

void append_wiping(std::string &s, const char *data, size_t n) {
    if (s.size() + n > s.capacity()) {
        std::string grown;
        grown.reserve(std::max(s.capacity() * 2, s.size() + n));
        grown.append(s);
        wipe_string(s);
        s.swap(grown);
    }
    s.append(data, n);
}
