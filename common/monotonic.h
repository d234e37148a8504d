// Milliseconds on the monotonic clock, for deadlines.
#pragma once
#include <time.h>

#include <cstdint>

inline uint64_t monotonic_ms() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}
