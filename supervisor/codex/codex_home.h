// The Codex home the operator configured: read, never written (codex runs
// with the private copy of private_codex_home.h).
#pragma once
#include <string>

// CODEX_HOME, or codex's own default of $HOME/.codex.
std::string codex_home_resolve(const std::string &configured);
