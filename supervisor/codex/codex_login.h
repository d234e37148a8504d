// Whether the Codex CLI on this machine is logged in, and whether it needs
// to be. The proxy still starts without a login (a model provider in
// config.toml may not need one), but says how to log in, in its log and in
// /healthz, and a request that cannot succeed without one is answered at
// once (503 codex_login_required) instead of after codex's reconnect
// attempts.
#pragma once
#include <string>
#include <vector>

#include "supervisor/base/openai_error.h"

bool codex_login_present(const std::string &codex_home);
const char *codex_login_hint();

// Whether the model provider a config.toml selects needs an OpenAI login
// (auth.json, or an API key in the environment), as codex decides it: the
// top-level `model_provider` (default "openai"); the built-in "openai"
// does, the built-in "ollama" and "lmstudio" do not, and a provider of
// [model_providers.<id>] does only with `requires_openai_auth = true`.
bool codex_provider_needs_login(const std::string &config_toml);

// True when codex cannot answer for want of a login: its provider needs
// one, neither home holds an auth.json, and no API key variable is passed
// to codex (pass_env). Reads config.toml only when no login is found.
bool codex_login_missing(const std::string &codex_home, const std::string &private_home,
                         const std::vector<std::string> &pass_env);

// 503 codex_login_required, saying how to log in.
ApiError codex_login_required_error();
