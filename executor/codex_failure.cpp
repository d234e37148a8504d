#include "executor/codex_failure.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

// The three digits after prefix, when s starts with it: "unexpected status 503 Service Unavailable".
uint16_t status_after(std::string_view s, std::string_view prefix) {
    if (!starts_with(s, prefix) || s.size() < prefix.size() + 3) return 0;
    uint16_t v = 0;
    for (size_t i = prefix.size(); i < prefix.size() + 3; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = static_cast<uint16_t>(v * 10 + (s[i] - '0'));
    }
    if (s.size() > prefix.size() + 3 && s[prefix.size() + 3] >= '0' && s[prefix.size() + 3] <= '9') return 0;
    return v >= 100 && v <= 599 ? v : 0;
}

int month_of(const char *abbrev) {
    static const char *const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (strcmp(abbrev, kMonths[i]) == 0) return i;
    return -1;
}

// "2:13 PM" (today) or "Sep 21st, 2026 2:13 PM", local time, as codex's
// format_retry_timestamp writes it; -1 when it is neither.
time_t reset_time(std::string_view text, time_t now) {
    std::string t(text.substr(0, 64));
    struct tm tm;
    localtime_r(&now, &tm);
    char mon[4] = "", suffix[3] = "", ampm[3] = "";
    int day = 0, year = 0, hour = 0, minute = 0;
    if (sscanf(t.c_str(), "%3s %d%2[a-z], %d %d:%d %2[AP]M", mon, &day, suffix, &year, &hour, &minute, ampm) == 7 &&
        month_of(mon) >= 0) {
        tm.tm_mon = month_of(mon), tm.tm_mday = day, tm.tm_year = year - 1900;
    } else if (sscanf(t.c_str(), "%d:%d %2[AP]M", &hour, &minute, ampm) != 3) {
        return -1;
    }
    if (hour < 1 || hour > 12 || minute < 0 || minute > 59 || day < 0 || day > 31) return -1;
    tm.tm_hour = hour % 12 + (ampm[0] == 'P' ? 12 : 0);
    tm.tm_min = minute, tm.tm_sec = 0, tm.tm_isdst = -1;
    return mktime(&tm);
}

// Seconds until the limit resets, from "... try again at <time>." Codex
// prints whole minutes (rounded down): a minute is added, so that a client
// that waits this long does not come back a little early.
uint32_t retry_after(std::string_view m, time_t now) {
    for (std::string_view key : {"try again at ", "Try again at "}) {
        size_t at = m.find(key);
        if (at == std::string_view::npos) continue;
        time_t reset = reset_time(m.substr(at + key.size()), now);
        if (reset < 0 || reset + 60 <= now) return 0;
        long long s = static_cast<long long>(reset) + 60 - static_cast<long long>(now);
        return s > 366LL * 86400 ? 0 : static_cast<uint32_t>(s);
    }
    return 0;
}

}  // namespace

CodexFailure codex_failure_classify(std::string_view m, time_t now) {
    CodexFailure f;
    if (contains(m, "hit your usage limit")) {  // UsageLimitReached, 429 usage_limit_reached
        f.outcome = ipc::Outcome::RateLimited;
        f.provider_status = 429;
        f.retry_after_s = retry_after(m, now);
    } else if (starts_with(m, "Quota exceeded.") || starts_with(m, "To use Codex with your ChatGPT plan") ||
               starts_with(m, "rate limit exceeded")) {
        // insufficient_quota, usage_not_included, a response.failed rate_limit_exceeded:
        // codex's codexErrorInfo calls the first two a usage limit too.
        f.outcome = ipc::Outcome::RateLimited;
    } else if (contains(m, "ran out of room in the model's context window")) {
        f.outcome = ipc::Outcome::ContextWindowExceeded;
    } else if (starts_with(m, "Your access token could not be refreshed")) {  // RefreshTokenFailed
        f.outcome = ipc::Outcome::Unauthorized;
        f.provider_status = 401;
    } else if (uint16_t st = status_after(m, "unexpected status "); st >= 400) {
        f.provider_status = st;
        f.outcome = st == 401   ? ipc::Outcome::Unauthorized
                    : st == 429 ? ipc::Outcome::RateLimited
                                : ipc::Outcome::ProviderFailed;
    } else if (uint16_t rs = status_after(m, "exceeded retry limit, last status: "); rs >= 400) {
        f.provider_status = rs;
        f.outcome = rs == 429 ? ipc::Outcome::RateLimited : ipc::Outcome::ProviderFailed;
    } else if (contains(m, "currently experiencing high demand")) {  // the provider's HTTP 500
        f.outcome = ipc::Outcome::ProviderFailed;
        f.provider_status = 500;
    }
    return f;
}
