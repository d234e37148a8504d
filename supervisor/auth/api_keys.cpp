#include "supervisor/auth/api_keys.h"

ApiKeys::Hash ApiKeys::hash(std::string_view key) {
    Hash h;
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char *>(key.data()), key.size(), nullptr, 0);
    return h;
}

void ApiKeys::add(std::string_view key) { hashes_.push_back(hash(key)); }

bool ApiKeys::check_key(std::string_view key) const {
    Hash h = hash(key);
    int matched = 0;
    for (const auto &k : hashes_) matched |= (sodium_memcmp(h.data(), k.data(), h.size()) == 0);
    sodium_memzero(h.data(), h.size());
    return matched != 0;
}

bool ApiKeys::bearer_token(std::string_view v, std::string_view &key) {
    static constexpr std::string_view kScheme = "bearer ";
    if (v.size() < kScheme.size()) return false;
    for (size_t i = 0; i < kScheme.size(); i++) {
        char c = v[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kScheme[i]) return false;
    }
    v.remove_prefix(kScheme.size());
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    key = v;
    return !v.empty();
}

bool ApiKeys::check_authorization(std::string_view v) const {
    std::string_view key;
    return bearer_token(v, key) && check_key(key);
}

std::string ApiKeys::tenant(std::string_view authorization) const {
    std::string_view key;
    if (!enabled() || !bearer_token(authorization, key)) return "";
    Hash h = hash(key);
    static constexpr std::string_view kPurpose = "codex-proxy stored responses owner";
    unsigned char tag[16];
    crypto_generichash(tag, sizeof tag, reinterpret_cast<const unsigned char *>(kPurpose.data()), kPurpose.size(),
                       h.data(), h.size());
    sodium_memzero(h.data(), h.size());
    char hex[sizeof tag * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, tag, sizeof tag);
    return hex;
}
