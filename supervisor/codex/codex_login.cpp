#include "supervisor/codex/codex_login.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "common/small_file.h"

namespace {

std::string trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// A TOML string or bare value, without its quotes or a trailing comment.
std::string toml_value(const std::string &raw) {
    std::string v = trim(raw);
    if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
        size_t close = v.find(v[0], 1);
        return close == std::string::npos ? v.substr(1) : v.substr(1, close - 1);
    }
    size_t hash = v.find('#');
    return trim(hash == std::string::npos ? v : v.substr(0, hash));
}

// A table header's name: [a.b], [a."b"] → a.b
std::string table_name(const std::string &line) {
    std::string name;
    for (size_t i = 1; i < line.size() && line[i] != ']'; i++)
        if (line[i] != '"' && line[i] != '\'' && line[i] != ' ' && line[i] != '\t') name += line[i];
    return name;
}

}  // namespace

bool codex_login_present(const std::string &codex_home) {
    struct stat st;
    return stat((codex_home + "/auth.json").c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

const char *codex_login_hint() {
    return "No Codex login found. Run `codex login` with the CODEX_HOME the proxy reads (by default ~/.codex of "
           "the user who started it; on a headless host `codex login --device-auth`), or place an auth.json "
           "there. The next request picks it up if the proxy's run user can read it.";
}

bool codex_provider_needs_login(const std::string &toml) {
    std::string provider = "openai", profile, table;
    std::vector<std::pair<std::string, std::string>> profile_providers;  // profiles.<name> → model_provider
    std::vector<std::pair<std::string, bool>> tables;  // model_providers.<id> → requires_openai_auth
    size_t pos = 0;
    while (pos < toml.size()) {
        size_t end = toml.find('\n', pos);
        if (end == std::string::npos) end = toml.size();
        std::string line = trim(toml.substr(pos, end - pos));
        pos = end + 1;
        if (line.empty() || line[0] == '#') continue;
        if (line[0] == '[') {
            table = table_name(line);
            continue;
        }
        size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(line.substr(0, eq)), value = toml_value(line.substr(eq + 1));
        if (table.empty() && key == "model_provider") provider = value;
        if (table.empty() && key == "profile") profile = value;
        if (table.rfind("profiles.", 0) == 0 && key == "model_provider")
            profile_providers.emplace_back(table.substr(strlen("profiles.")), value);
        if (table.rfind("model_providers.", 0) == 0 && key == "requires_openai_auth")
            tables.emplace_back(table.substr(strlen("model_providers.")), value == "true");
    }
    for (const auto &p : profile_providers)
        if (!profile.empty() && p.first == profile) provider = p.second;
    for (auto it = tables.rbegin(); it != tables.rend(); ++it)
        if (it->first == provider) return it->second;
    // Not configured here: the built-ins, else codex refuses an unknown
    // provider by itself, which no login would change.
    return provider == "openai";
}

bool codex_login_missing(const std::string &codex_home, const std::string &private_home,
                         const std::vector<std::string> &pass_env) {
    if (codex_login_present(private_home) || codex_login_present(codex_home)) return false;
    for (const auto &name : pass_env)
        if (name == "OPENAI_API_KEY" || name == "CODEX_API_KEY")
            if (const char *v = getenv(name.c_str()); v && *v) return false;
    std::string toml;
    if (!small_file_read(codex_home + "/config.toml", toml, 1u << 20, false) &&
        !small_file_read(private_home + "/config.toml", toml, 1u << 20, false))
        toml.clear();
    return codex_provider_needs_login(toml);
}

ApiError codex_login_required_error() {
    ApiError e;
    e.status = 503;
    e.type = "server_error";
    e.code = "codex_login_required";
    e.message =
        "Codex is not logged in, and its model provider needs a login. As the proxy's run user, run "
        "`codex login` (on a headless host `codex login --device-auth`) with the CODEX_HOME the proxy "
        "reads; the next request picks the login up, no restart needed.";
    return e;
}
