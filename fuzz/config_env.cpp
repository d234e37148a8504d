// Eats an environment: NAME=VALUE lines, the proxy's configuration read from
// it as at startup, then the model names it configures (CODEX_MODEL,
// CODEX_PROXY_MODELS, _MODEL_MAP, _UNKNOWN_MODEL) resolved for a few names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config.h"
#include "supervisor/codex/model_names.h"

namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

const char *lookup(const char *name, void *ctx) {
    for (const auto &kv : *static_cast<Env *>(ctx))
        if (kv.first == name) return kv.second.c_str();
    return nullptr;
}

Env parse_env(std::string_view text) {
    Env env;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        // A C environment cannot hold a NUL inside a value: cut there too.
        std::string value(line.substr(eq + 1));
        value.resize(strlen(value.c_str()));
        env.emplace_back(std::string(line.substr(0, eq)), std::move(value));
    }
    return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Env env = parse_env(std::string_view(reinterpret_cast<const char *>(data), size));
    Config cfg;
    std::string error;
    if (!config_load(lookup, &env, cfg, error)) {
        if (error.empty()) abort();  // a refusal names the variable
        return 0;
    }
    ModelNames names;
    if (!model_names_parse(cfg.models, cfg.model_map, cfg.unknown_model, names, error)) return 0;
    names.default_model = cfg.codex_model;
    std::string model;
    for (const char *asked : {"", "gpt-4.1", "gpt-5.1-codex", "unknown"}) model_names_resolve(names, asked, model);
    model_names_listed(names);
    return 0;
}
