// Where API keys come from: CODEX_PROXY_API_KEY, CODEX_PROXY_API_KEY_FILE
// (one key per line), and systemd's credential `codex-proxy-api-keys`
// (LoadCredential=, same format). All of them are accepted at once.
//
// Once hashed into ApiKeys, the plaintext is wiped: from the Config, and
// from this process's environment block, which /proc/<pid>/environ shows.
#pragma once
#include <string>

#include "common/config.h"
#include "supervisor/auth/api_keys.h"

constexpr const char *kApiKeyCredential = "codex-proxy-api-keys";

// Parses a key file's text: blank lines and lines starting with '#' are
// skipped, surrounding spaces trimmed; a key holding a space or a control
// character is an error naming the source and line (never the key).
bool api_key_sources_parse(const std::string &text, const std::string &source, ApiKeys &keys, int &count,
                           std::string &error);

bool api_key_sources_load(Config &cfg, ApiKeys &keys, std::string &error);
// The file sources only (the key file and the credential), as a reload
// reads them again; the environment's key cannot change while running.
bool api_key_sources_load_files(const Config &cfg, ApiKeys &keys, std::string &error);

// Overwrites the values of the secret settings in the process environment.
void api_key_sources_scrub_environment();
