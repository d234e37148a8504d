#include "common/codex_login_times.h"

#include <cjson/cJSON.h>

#include <cstdint>
#include <cstring>

#include "common/json_doc.h"

namespace {

constexpr time_t kExpirySkew = 10 * 60;
constexpr time_t kRefreshInterval = 7 * 24 * 3600;

int b64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

bool b64url_decode(const char *s, size_t n, std::string &out) {
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value(s[i]);
        if (v < 0) return false;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return true;
}

time_t jwt_exp(const char *token) {
    const char *a = strchr(token, '.');
    const char *b = a ? strchr(a + 1, '.') : nullptr;
    std::string payload;
    if (!b || !b64url_decode(a + 1, static_cast<size_t>(b - a - 1), payload)) return 0;
    JsonDoc doc(payload);
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(doc.root, "exp");
    // Past 2^53 s no clock reaches; out of time_t's range the conversion
    // would be undefined. Either is unreadable, so the login counts as due.
    constexpr double kMaxExp = 9007199254740992.0;
    if (!cJSON_IsNumber(exp) || !(exp->valuedouble >= 0 && exp->valuedouble <= kMaxExp)) return 0;
    return static_cast<time_t>(exp->valuedouble);
}

time_t rfc3339(const char *s) {
    struct tm tm = {};
    if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return timegm(&tm);
}

}  // namespace

bool token_login_times(const std::string &text, time_t &access_exp, time_t &last_refresh) {
    JsonDoc doc(text);
    const cJSON *tokens = cJSON_IsObject(doc.root) ? cJSON_GetObjectItemCaseSensitive(doc.root, "tokens") : nullptr;
    const cJSON *access = cJSON_IsObject(tokens) ? cJSON_GetObjectItemCaseSensitive(tokens, "access_token") : nullptr;
    if (!cJSON_IsString(access)) return false;
    access_exp = jwt_exp(access->valuestring);
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(doc.root, "last_refresh");
    last_refresh = cJSON_IsString(lr) ? rfc3339(lr->valuestring) : 0;
    return true;
}

bool token_refresh_due(time_t access_exp, time_t last_refresh, time_t now) {
    return access_exp - now < kExpirySkew || now - last_refresh > kRefreshInterval;
}
