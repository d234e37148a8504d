// Targets that eat two texts (a schema and an instance, a request and a
// reply) take them as one input split at its first NUL byte: JSON text
// never holds a raw NUL, so seeds stay readable and the fuzzer may move
// the boundary like any other byte.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

inline std::pair<std::string, std::string> split_input(const uint8_t *data, size_t size) {
    const char *p = reinterpret_cast<const char *>(data);
    const void *nul = memchr(p, 0, size);
    if (!nul) return {std::string(p, size), std::string()};
    size_t first = static_cast<size_t>(static_cast<const char *>(nul) - p);
    return {std::string(p, first), std::string(p + first + 1, size - first - 1)};
}
