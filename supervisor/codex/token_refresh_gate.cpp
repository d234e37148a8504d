#include "supervisor/codex/token_refresh_gate.h"

#include <sodium.h>

#include <cstring>

#include "common/small_file.h"
#include "supervisor/base/json_util.h"

namespace {

// Codex refreshes ahead of expiry and every few days; these margins are
// wider than its own, so the gate closes before codex would refresh.
constexpr time_t kExpirySkew = 10 * 60;
constexpr time_t kRefreshInterval = 7 * 24 * 3600;

time_t jwt_exp(const char *token) {
    const char *a = strchr(token, '.');
    const char *b = a ? strchr(a + 1, '.') : nullptr;
    if (!b) return 0;
    std::string payload(b - a - 1 + 4, '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char *>(payload.data()), payload.size(), a + 1,
                          static_cast<size_t>(b - a - 1), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return 0;
    payload.resize(len);
    JsonDoc doc(payload);
    const cJSON *exp = json_get(doc.root, "exp");
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
    const cJSON *access = json_get(json_get(doc.root, "tokens"), "access_token");
    if (!cJSON_IsString(access)) return false;
    access_exp = jwt_exp(access->valuestring);
    const cJSON *lr = json_get(doc.root, "last_refresh");
    last_refresh = cJSON_IsString(lr) ? rfc3339(lr->valuestring) : 0;
    return true;
}

void TokenRefreshGate::reload(const struct stat &st) {
    mtime_ = st.st_mtim, ino_ = st.st_ino, size_ = st.st_size;
    std::string text;
    small_file_read(path_, text, 1u << 20, true);
    time_t before = last_refresh_;
    chatgpt_ = token_login_times(text, access_exp_, last_refresh_);
    if (refreshes_ && before && last_refresh_ > before) ++*refreshes_;
    sodium_memzero(text.data(), text.size());
}

bool TokenRefreshGate::refresh_due(time_t now) {
    struct stat st;
    if (stat(path_.c_str(), &st) != 0) return false;
    if (st.st_ino != ino_ || st.st_size != size_ || st.st_mtim.tv_sec != mtime_.tv_sec ||
        st.st_mtim.tv_nsec != mtime_.tv_nsec)
        reload(st);
    if (!chatgpt_) return false;
    return access_exp_ - now < kExpirySkew || now - last_refresh_ > kRefreshInterval;
}
