#include "executor/codex_flags.h"

namespace {

// Codex features that make it an agent rather than a model (codex 0.169,
// `codex features list`): its shell and exec sessions, image viewer,
// sub-agents, goals, the login-shell snapshot (a login shell per run or
// thread), plugins and apps (git ls-remote, lookups of github.com and
// chatgpt.com), skills search, image generation, tool suggestions, hooks,
// browser and computer use, the sleep tool. Plus: no connection retries forever.
const char *const kDisabledFeatures[] = {"unbounded_connection_retries",
                                         "shell_tool",
                                         "unified_exec",
                                         "view_image",
                                         "multi_agent",
                                         "goals",
                                         "shell_snapshot",
                                         "plugins",
                                         "apps",
                                         "skill_search",
                                         "image_generation",
                                         "tool_suggest",
                                         "hooks",
                                         "browser_use",
                                         "computer_use",
                                         "sleep_tool",
                                         "skill_mcp_dependency_install"};

}  // namespace

std::string codex_toml_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

std::vector<std::string> codex_model_flags(const std::string &model_catalog) {
    std::vector<std::string> a = {"-c", "web_search=\"disabled\"", "-c", "analytics.enabled=false"};
    for (const char *f : kDisabledFeatures) a.insert(a.end(), {"--disable", f});
    if (!model_catalog.empty()) a.insert(a.end(), {"-c", "model_catalog_json=" + codex_toml_string(model_catalog)});
    return a;
}
