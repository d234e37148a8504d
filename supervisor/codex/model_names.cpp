#include "supervisor/codex/model_names.h"

#include <algorithm>

namespace {

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s + sep) {
        if (c == sep) {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (c != ' ' && c != '\t') {
            cur.push_back(c);
        }
    }
    return out;
}

bool valid_name(const std::string &n) {
    if (n.empty() || n.size() > 128) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.' || c == ':' || c == '/';
    });
}

}  // namespace

bool model_names_parse(const std::string &models, const std::string &map, const std::string &policy, ModelNames &out,
                       std::string &error) {
    for (const auto &m : split(models, ',')) {
        if (!valid_name(m)) {
            error = "CODEX_PROXY_MODELS: '" + m + "' is not a model name";
            return false;
        }
        out.models.push_back(m);
    }
    for (const auto &pair : split(map, ',')) {
        size_t eq = pair.find('=');
        std::string from = pair.substr(0, eq), to = eq == std::string::npos ? "" : pair.substr(eq + 1);
        if (eq == std::string::npos || !valid_name(from) || !valid_name(to)) {
            error = "CODEX_PROXY_MODEL_MAP: expected name=codex-model, got '" + pair + "'";
            return false;
        }
        out.aliases.emplace_back(from, to);
    }
    if (policy == "reject") out.reject_unknown = true;
    else if (policy != "default" && !policy.empty()) {
        error = "CODEX_PROXY_UNKNOWN_MODEL: expected default or reject, got '" + policy + "'";
        return false;
    }
    return true;
}

bool model_names_resolve(const ModelNames &m, const std::string &requested, std::string &codex_model) {
    for (const auto &a : m.aliases)
        if (a.first == requested) return codex_model = a.second, true;
    if (std::find(m.models.begin(), m.models.end(), requested) != m.models.end() ||
        (!m.default_model.empty() && requested == m.default_model))
        return codex_model = requested, true;
    codex_model = m.default_model;
    // Without CODEX_MODEL the default is listed as "codex": that name runs
    // it under either policy, as the listing promises.
    if (m.default_model.empty() && requested == kDefaultModelId) return true;
    return !m.reject_unknown;
}

std::vector<std::string> model_names_listed(const ModelNames &m) {
    std::vector<std::string> ids;
    auto add = [&](const std::string &id) {
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    };
    add(m.default_model.empty() ? kDefaultModelId : m.default_model);
    for (const auto &x : m.models) add(x);
    for (const auto &a : m.aliases) add(a.first);
    return ids;
}
