// Which codex model a client's model name runs.
//
// Clients hard-code OpenAI names (gpt-4.1, gpt-5.2, gpt-4o-2024-08-06).
// CODEX_PROXY_MODEL_MAP maps such names to codex models
// ("gpt-4.1=gpt-5.1-codex-mini,gpt-5.2=gpt-5.1-codex"); CODEX_PROXY_MODELS
// lists codex models that may be asked for by their own names. Any other
// name follows CODEX_PROXY_UNKNOWN_MODEL: `default` runs CODEX_MODEL (or, unset,
// the first entry of the proxy's model catalog: codex_model_catalog.h), `reject` answers 404 model_not_found as OpenAI
// does. The client's name is always the one echoed back.
#pragma once
#include <string>
#include <utility>
#include <vector>

// The id /v1/models lists for the default model when CODEX_MODEL is unset.
constexpr char kDefaultModelId[] = "codex";

struct ModelNames {
    std::vector<std::string> models;                           // asked for as themselves
    std::vector<std::pair<std::string, std::string>> aliases;  // client name -> codex model
    std::string default_model;                                 // CODEX_MODEL; empty: the catalog's first entry
    bool reject_unknown = false;
};

// Parses CODEX_PROXY_MODELS, CODEX_PROXY_MODEL_MAP and the policy word.
bool model_names_parse(const std::string &models, const std::string &map, const std::string &policy, ModelNames &out,
                       std::string &error);

// The codex model to run for `requested` (empty: the catalog's first entry); false
// when the name is unknown and the policy rejects it.
bool model_names_resolve(const ModelNames &m, const std::string &requested, std::string &codex_model);

// Every id /v1/models lists: the default model, the listed models, the
// aliases. Each of them resolves, under either policy.
std::vector<std::string> model_names_listed(const ModelNames &m);
