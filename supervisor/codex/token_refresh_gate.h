// Serialising codex's token refresh across executors.
//
// A ChatGPT login's refresh token is single-use. Two codex runs that both
// find the access token stale both present it (codex's auth.lock does not
// stop that, measured on 0.169), and against the real server the second
// use fails and can burn the login. So while the shared login is due for a
// refresh, the scheduler runs one job at a time: that job refreshes, and
// the rest start once the token in auth.json is fresh.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "common/codex_login_times.h"

class TokenRefreshGate {
public:
    // *refreshes, when given, counts the renewals the gate sees in auth.json.
    explicit TokenRefreshGate(std::string auth_json, uint64_t *refreshes = nullptr)
        : path_(std::move(auth_json)), refreshes_(refreshes) {}
    // True when the login in auth.json may be refreshed by the next run.
    bool refresh_due(time_t now);

private:
    void reload(const struct stat &st);

    std::string path_;
    uint64_t *refreshes_;
    struct timespec mtime_ = {0, 0};
    ino_t ino_ = 0;
    off_t size_ = -1;
    bool chatgpt_ = false;  // API-key logins never refresh
    time_t access_exp_ = 0;
    time_t last_refresh_ = 0;
};
