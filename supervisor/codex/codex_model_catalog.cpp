#include "supervisor/codex/codex_model_catalog.h"

#include <cjson/cJSON.h>

// toml++ 3.3 asserts (abort) on some malformed input, e.g. "[[[", where a
// release build goes on to report a parse error; a bad config.toml must not
// stop a debug or sanitizer build either. (GCC has no __builtin_assume, so
// the release "assume" is a no-op too: the error path is defined.)
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "supervisor/base/json_util.h"

namespace {

// Codex's own agent prompt tells the model it shares a workspace with the
// user and should run commands; behind an API it has neither.
const char kInstructions[] =
    "You are a language model answering requests that reach you through an API on behalf of an "
    "application. You have no shell, files, network or tools of your own: answer from your own "
    "knowledge, directly, in the form the request asks for. Follow the system and developer "
    "instructions that come with each request.";

cJSON *effort(const char *name) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "effort", name);
    cJSON_AddStringToObject(o, "description", name);
    return o;
}

cJSON *entry(const std::string &slug, int priority) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "slug", slug.c_str());
    cJSON_AddStringToObject(m, "display_name", slug.c_str());
    cJSON_AddStringToObject(m, "description", "served through codex-proxy");
    cJSON_AddStringToObject(m, "default_reasoning_level", "medium");
    cJSON *levels = cJSON_AddArrayToObject(m, "supported_reasoning_levels");
    for (const char *e : {"minimal", "low", "medium", "high", "xhigh"}) cJSON_AddItemToArray(levels, effort(e));
    cJSON_AddStringToObject(m, "shell_type", "disabled");
    cJSON_AddStringToObject(m, "tool_mode", "none");
    cJSON_AddStringToObject(m, "visibility", "list");
    cJSON_AddBoolToObject(m, "supported_in_api", true);
    cJSON_AddNumberToObject(m, "priority", priority);
    cJSON_AddStringToObject(m, "base_instructions", kInstructions);
    cJSON_AddBoolToObject(m, "supports_reasoning_summaries", false);
    cJSON_AddBoolToObject(m, "support_verbosity", false);
    cJSON *trunc = cJSON_AddObjectToObject(m, "truncation_policy");
    cJSON_AddStringToObject(trunc, "mode", "tokens");
    cJSON_AddNumberToObject(trunc, "limit", 10000);
    cJSON_AddBoolToObject(m, "supports_parallel_tool_calls", false);
    cJSON_AddNumberToObject(m, "context_window", 272000);
    cJSON_AddArrayToObject(m, "experimental_supported_tools");
    cJSON *modalities = cJSON_AddArrayToObject(m, "input_modalities");
    cJSON_AddItemToArray(modalities, cJSON_CreateString("text"));
    cJSON_AddItemToArray(modalities, cJSON_CreateString("image"));
    return m;
}

void add_unique(std::vector<std::string> &v, const std::string &s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

}  // namespace

std::string codex_config_model(const std::string &toml) {
    toml::parse_result parsed = toml::parse(std::string_view(toml));
    if (!parsed) {
        const toml::parse_error &e = parsed.error();
        LogLine("supervisor", "warn", "config.toml does not parse; its model is not used")
            .kv("line", static_cast<int64_t>(e.source().begin.line))
            .kv("error", e.description())
            .emit();
        return "";
    }
    // Only the top-level key: a `model` inside a table (a profile, a
    // provider) is not the default.
    const toml::value<std::string> *model = parsed.table().get_as<std::string>("model");
    return model ? model->get() : "";
}

std::vector<std::string> codex_catalog_slugs(const ModelNames &names, const std::string &config_toml) {
    std::vector<std::string> out;
    std::string first = names.default_model;
    if (first.empty()) first = codex_config_model(config_toml);
    if (first.empty()) first = kCodexFallbackModel;
    add_unique(out, first);
    for (const auto &m : names.models) add_unique(out, m);
    for (const auto &a : names.aliases) add_unique(out, a.second);
    return out;
}

std::string codex_catalog_json(const std::vector<std::string> &slugs) {
    cJSON *root = cJSON_CreateObject();
    cJSON *models = cJSON_AddArrayToObject(root, "models");
    int priority = 1;
    for (const auto &s : slugs) cJSON_AddItemToArray(models, entry(s, priority++));
    return json_take(root);
}
