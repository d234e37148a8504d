#include "common/log.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

namespace {

bool token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool starts_with_ci(std::string_view s, size_t at, std::string_view prefix) {
    if (s.size() - at < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); i++) {
        char a = s[at + i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

// Length of a secret-looking token starting at s[at], or 0.
size_t secret_at(std::string_view s, size_t at) {
    static const std::string_view kPrefixes[] = {"bearer ", "sk-", "sess-", "eyj"};
    if (at > 0 && token_char(s[at - 1])) return 0;
    for (auto p : kPrefixes) {
        if (!starts_with_ci(s, at, p)) continue;
        size_t end = at + p.size();
        while (end < s.size() && token_char(s[end])) end++;
        if (end - at - p.size() >= 8) return end - at;
    }
    return 0;
}

void append_escaped(std::string &out, std::string_view v) {
    bool quote = v.empty();
    for (unsigned char c : v)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) quote = true;
    if (!quote) {
        out += v;
        return;
    }
    out.push_back('"');
    for (unsigned char c : v) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < ' ' || c == 0x7f) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

}  // namespace

std::string log_redact(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (size_t i = 0; i < value.size();) {
        size_t n = secret_at(value, i);
        if (n) {
            out += "[REDACTED]";
            i += n;
        } else {
            out.push_back(value[i++]);
        }
    }
    return out;
}

LogLine::LogLine(const char *component, const char *level, const char *msg) {
    struct timeval tv;
    gettimeofday(&tv, nullptr);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[96];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(tv.tv_usec / 1000));
    line_ = std::string("ts=") + ts + " level=" + level + " proc=" + component + " msg=";
    append_escaped(line_, msg);
}

LogLine &LogLine::kv(const char *key, std::string_view value) {
    line_.push_back(' ');
    line_ += key;
    line_.push_back('=');
    append_escaped(line_, log_redact(value));
    return *this;
}

LogLine &LogLine::num(const char *key, long long value) {
    line_.push_back(' ');
    line_ += key;
    line_.push_back('=');
    line_ += std::to_string(value);
    return *this;
}

void LogLine::emit() {
    line_.push_back('\n');
    size_t off = 0;
    while (off < line_.size()) {
        ssize_t n = write(STDERR_FILENO, line_.data() + off, line_.size() - off);
        if (n <= 0) return;  // nothing sensible to do when stderr is gone
        off += static_cast<size_t>(n);
    }
}
