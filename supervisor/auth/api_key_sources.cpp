#include "supervisor/auth/api_key_sources.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/log.h"
#include "common/small_file.h"

extern char **environ;

namespace {

constexpr size_t kMaxKeyFile = 1 << 20;

bool read_secret_file(const std::string &path, std::string &out, std::string &error) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & 0004))
        LogLine("supervisor", "warn", "API key file is readable by every user").kv("path", path).emit();
    if (small_file_read(path, out, kMaxKeyFile, false)) return true;
    error = path + ": " + (errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
    return false;
}

void wipe(std::string &s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

bool load_file(const std::string &path, const std::string &source, ApiKeys &keys, std::string &error) {
    std::string text;
    int count = 0;
    bool ok = read_secret_file(path, text, error) && api_key_sources_parse(text, source, keys, count, error);
    wipe(text);
    if (ok && count == 0) {
        error = source + " holds no key";
        ok = false;
    }
    return ok;
}

}  // namespace

bool api_key_sources_parse(const std::string &text, const std::string &source, ApiKeys &keys, int &count,
                           std::string &error) {
    size_t pos = 0;
    for (int line = 1; pos <= text.size(); line++) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view l(text.data() + pos, end - pos);
        pos = end + 1;
        while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
        while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.remove_suffix(1);
        if (l.empty() || l.front() == '#') continue;
        for (unsigned char c : l) {
            if (c <= ' ' || c == 0x7f) {
                error = source + " line " + std::to_string(line) + ": a key may not hold spaces or control characters";
                return false;
            }
        }
        keys.add(l);
        count++;
    }
    return true;
}

bool api_key_sources_load(Config &cfg, ApiKeys &keys, std::string &error) {
    if (!cfg.api_key.empty()) keys.add(cfg.api_key);
    wipe(cfg.api_key);
    return api_key_sources_load_files(cfg, keys, error);
}

bool api_key_sources_load_files(const Config &cfg, ApiKeys &keys, std::string &error) {
    if (!cfg.api_key_file.empty() && !load_file(cfg.api_key_file, "CODEX_PROXY_API_KEY_FILE", keys, error))
        return false;
    if (!cfg.credentials_dir.empty()) {
        std::string path = cfg.credentials_dir + "/" + kApiKeyCredential;
        if (access(path.c_str(), F_OK) == 0 &&
            !load_file(path, std::string("credential ") + kApiKeyCredential, keys, error))
            return false;
    }
    return true;
}

void api_key_sources_scrub_environment() {
    for (const char *const *name = kSecretSettings; *name; name++) {
        size_t n = strlen(*name);
        for (char **e = environ; *e; e++)
            if (!strncmp(*e, *name, n) && (*e)[n] == '=') sodium_memzero(*e + n + 1, strlen(*e + n + 1));
        unsetenv(*name);
    }
}
