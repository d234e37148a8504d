#include "executor/login_refresh_due.h"

#include <algorithm>

#include "common/codex_login_times.h"
#include "common/small_file.h"

bool login_refresh_due(const std::string &path, time_t now) {
    std::string text;
    if (!small_file_read(path, text, 1u << 20, true)) return false;  // no login: nothing to refresh
    time_t exp = 0, last = 0;
    bool chatgpt = token_login_times(text, exp, last);
    std::fill(text.begin(), text.end(), '\0');
    return chatgpt && token_refresh_due(exp, last, now);  // an API-key login never refreshes
}
