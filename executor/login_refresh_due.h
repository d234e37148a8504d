// Whether the login in a Codex home's auth.json is due for a refresh, by the
// supervisor's TokenRefreshGate's rule (supervisor/codex/token_refresh_gate).
//
// `codex app-server` refreshes a due login as it starts, before any turn, so
// the executor must not start one outside a job while the login is due: the
// supervisor serialises jobs then, and only one server may present the
// single-use refresh token.
#pragma once
#include <ctime>
#include <string>

bool login_refresh_due(const std::string &auth_json_path, time_t now);
