// API key checks in constant time.
//
// Keys are kept only as BLAKE2b hashes (libsodium's crypto_generichash), and
// a presented key is hashed before it is compared, so the time a check takes
// does not depend on how much of a key, or how long a key, an attacker got
// right. Every configured key is compared on every check.
#pragma once
#include <sodium.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

class ApiKeys {
public:
    void add(std::string_view key);
    bool enabled() const { return !hashes_.empty(); }
    // Checks an Authorization header value ("Bearer <key>").
    bool check_authorization(std::string_view header_value) const;
    bool check_key(std::string_view key) const;
    // Whose stored responses a request may reach: a tag derived from the
    // hash of the key it presented (the hash itself never leaves memory),
    // "" when no key is configured (one tenant). Call after the check.
    std::string tenant(std::string_view authorization) const;

private:
    using Hash = std::array<unsigned char, crypto_generichash_BYTES>;
    static Hash hash(std::string_view key);
    static bool bearer_token(std::string_view header_value, std::string_view &key);
    std::vector<Hash> hashes_;
};
