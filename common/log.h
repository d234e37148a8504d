// One logfmt line per event on stderr, written with a single write(2) so
// lines from the supervisor and its executors never interleave mid-line.
//
//   LogLine("supervisor", "info", "request").kv("status", 200).emit();
//
// Every value passes through log_redact(): a log line never carries
// something that looks like a bearer token or an API key.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

std::string log_redact(std::string_view value);

class LogLine {
public:
    LogLine(const char *component, const char *level, const char *msg);
    LogLine &kv(const char *key, std::string_view value);
    LogLine &kv(const char *key, const char *value) { return kv(key, std::string_view(value ? value : "")); }
    LogLine &kv(const char *key, const std::string &value) { return kv(key, std::string_view(value)); }
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
    LogLine &kv(const char *key, T value) {
        return num(key, static_cast<long long>(value));
    }
    void emit();
    const std::string &text() const { return line_; }

private:
    LogLine &num(const char *key, long long value);
    std::string line_;
};
