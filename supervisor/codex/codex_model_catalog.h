// The model catalog codex runs with, so that codex behaves as a model and
// not as a coding agent.
//
// Codex 0.169 takes its tool set and its system prompt from the catalog
// entry of the model it runs: the bundled entries offer a JavaScript "code
// mode" exec tool, sub-agents, apply_patch, web search and a ~22 kB agent
// prompt, and no --disable flag removes them. The proxy therefore writes a
// catalog of its own into the private Codex home (model_catalog_json): one
// entry per codex model it may run, with the shell disabled, no patch or
// search tool, and instructions that make codex answer as a model. The
// first entry is the default codex picks when no model is named.
#pragma once
#include <string>
#include <vector>

#include "supervisor/codex/model_names.h"

// Used when neither CODEX_MODEL nor the Codex home's config.toml names a
// model: the newest model of codex 0.169's catalog served by the plain
// (non-code-mode) tool set.
constexpr const char *kCodexFallbackModel = "gpt-5.5";

// The codex models a catalog must name, the default first: CODEX_MODEL,
// else config.toml's top-level `model`, else kCodexFallbackModel; then the
// listed models and alias targets, without repeats.
std::vector<std::string> codex_catalog_slugs(const ModelNames &names, const std::string &config_toml);

// The catalog JSON for those slugs.
std::string codex_catalog_json(const std::vector<std::string> &slugs);

// The top-level `model` string of a config.toml text (any TOML string
// form), or "": none there, or the text does not parse (logged).
std::string codex_config_model(const std::string &config_toml);
