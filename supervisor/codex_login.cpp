#include "supervisor/codex_login.h"

#include <sys/stat.h>

#include <cstdlib>

std::string codex_home_resolve(const std::string &configured) {
    if (!configured.empty()) return configured;
    const char *home = getenv("HOME");
    return std::string(home ? home : "") + "/.codex";
}

bool codex_login_present(const std::string &codex_home) {
    struct stat st;
    return stat((codex_home + "/auth.json").c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

const char *codex_login_hint() {
    return "No Codex login found. Run `codex login` with the CODEX_HOME the proxy reads (by default ~/.codex of "
           "the user who started it), or place an auth.json there. The next request picks it up if the proxy's "
           "run user can read it; otherwise restart the proxy.";
}
