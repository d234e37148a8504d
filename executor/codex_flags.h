// The flags that make codex a model rather than an agent, shared by both
// backends: `codex exec` and `codex app-server` take them alike.
#pragma once
#include <string>
#include <vector>

// -c/--disable arguments: no web search, no analytics, every agent feature
// off, and the proxy's model catalog when model_catalog is not empty.
std::vector<std::string> codex_model_flags(const std::string &model_catalog);
// A TOML basic string, as `-c key=value` parses its value.
std::string codex_toml_string(const std::string &s);
