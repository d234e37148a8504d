#include "executor/utf8_repair.h"

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the well-formed sequence at s[i], or the number of bytes
// (at least 1) of the maximal ill-formed prefix there, as a negative.
int sequence_at(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u; };
    unsigned b0 = byte(0);
    if (b0 < 0x80) return 1;
    int need;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) need = 1;
    else if (b0 == 0xE0) need = 2, lo = 0xA0;
    else if (b0 == 0xED) need = 2, hi = 0x9F;  // no surrogates
    else if (b0 >= 0xE1 && b0 <= 0xEF) need = 2;
    else if (b0 == 0xF0) need = 3, lo = 0x90;
    else if (b0 == 0xF4) need = 3, hi = 0x8F;  // nothing past U+10FFFF
    else if (b0 >= 0xF1 && b0 <= 0xF3) need = 3;
    else return -1;
    for (int k = 1; k <= need; k++) {
        unsigned b = byte(static_cast<size_t>(k));
        unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return -k;
    }
    return need + 1;
}

}  // namespace

std::string utf8_repair(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t run = 0;  // start of the well-formed bytes not yet copied
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            i++;
            continue;
        }
        int n = sequence_at(s, i);
        if (n > 0) {
            i += static_cast<size_t>(n);
            continue;
        }
        out.append(s.substr(run, i - run)).append(kReplacement);
        i += static_cast<size_t>(-n);
        run = i;
    }
    return out.append(s.substr(run));
}
