// Codex's output is read as bytes; clients are promised JSON, which is
// UTF-8. A model (or a broken codex) can still print bytes that are not,
// and cJSON passes them through, so the executor repairs a message's text
// before it leaves: every ill-formed sequence becomes U+FFFD.
#pragma once
#include <string>
#include <string_view>

// s with each maximal ill-formed subsequence replaced by U+FFFD (as the
// Unicode standard and WHATWG's decoder do): overlong forms, surrogates,
// code points past U+10FFFF, stray continuation bytes, truncated sequences.
std::string utf8_repair(std::string_view s);
