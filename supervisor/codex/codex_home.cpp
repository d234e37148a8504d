#include "supervisor/codex/codex_home.h"

#include <cstdlib>

std::string codex_home_resolve(const std::string &configured) {
    if (!configured.empty()) return configured;
    const char *home = getenv("HOME");
    return std::string(home ? home : "") + "/.codex";
}
