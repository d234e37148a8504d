#include "supervisor/base/random_id.h"

#include <sodium.h>

std::string random_id(const char *prefix) {
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    char hex[sizeof raw * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    return std::string(prefix) + hex;
}
