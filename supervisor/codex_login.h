// Whether the Codex CLI on this machine is logged in. The proxy still starts
// without a login (a model provider in config.toml may not need one), but
// says how to log in, in its log and in /healthz.
#pragma once
#include <string>

// CODEX_HOME, or codex's own default of $HOME/.codex.
std::string codex_home_resolve(const std::string &configured);
bool codex_login_present(const std::string &codex_home);
const char *codex_login_hint();
