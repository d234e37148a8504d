#include "supervisor/api_keys.h"

ApiKeys::Hash ApiKeys::hash(std::string_view key) {
    Hash h;
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char *>(key.data()), key.size(),
                       nullptr, 0);
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

bool ApiKeys::check_authorization(std::string_view v) const {
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
    return !v.empty() && check_key(v);
}
