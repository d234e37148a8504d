// When a ChatGPT login in a Codex home's auth.json is due for a refresh.
//
// One rule for both processes: the supervisor's refresh gate
// (supervisor/codex/token_refresh_gate.h) serialises jobs while it holds, and
// the app-server backend (executor/login_refresh_due.h) starts no server
// outside a job then, since `codex app-server` refreshes a due login as it
// starts.
#pragma once
#include <ctime>
#include <string>

// The access token's `exp` (0 when unreadable) and `last_refresh` (0 when
// absent) of auth.json's text; false for a login without an access token
// (an API key, which never refreshes).
bool token_login_times(const std::string &auth_json, time_t &access_exp, time_t &last_refresh);

// Codex refreshes ahead of expiry and every few days; these margins are
// wider than its own, so the rule holds before codex would refresh.
bool token_refresh_due(time_t access_exp, time_t last_refresh, time_t now);
