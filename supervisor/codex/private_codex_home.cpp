#include "supervisor/codex/private_codex_home.h"

#include <dirent.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/log.h"
#include "common/small_file.h"

namespace {

constexpr const char *kStampName = "codex-home.seeded";
constexpr const char *kLockName = ".codex-proxyd.lock";
constexpr size_t kMaxSeedFile = 16u << 20;

bool make_private_dir(const std::string &d, uid_t uid, gid_t gid, std::string &error) {
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create " + d + ": " + strerror(errno);
        return false;
    }
    struct stat st;
    if (lstat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = d + " is not a directory";
        return false;
    }
    if (geteuid() == 0 && lchown(d.c_str(), uid, gid) != 0) {
        error = "cannot hand " + d + " to the run user: " + strerror(errno);
        return false;
    }
    // An existing directory may have been made with a wider mode.
    if (chmod(d.c_str(), 0700) != 0) {
        error = "cannot make " + d + " private (0700): " + strerror(errno);
        return false;
    }
    return true;
}

// Before any chown: a second proxy must not take the first one's directory.
bool lock_state_dir(PrivateCodexHome &h, std::string &error) {
    if (mkdir(h.state.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create " + h.state + ": " + strerror(errno);
        return false;
    }
    UniqueFd dir(open(h.state.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) {
        error = h.state + " is not a directory (a symbolic link is refused): " + strerror(errno);
        return false;
    }
    h.lock.reset(openat(dir.get(), kLockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!h.lock.valid()) {
        error = "cannot open " + h.state + "/" + kLockName + ": " + strerror(errno);
        return false;
    }
    if (flock(h.lock.get(), LOCK_EX | LOCK_NB) != 0) {
        error = "another codex-proxyd is using " + h.state + " (each proxy needs its own CODEX_PROXY_STATE_DIR)";
        return false;
    }
    if (geteuid() == 0 && fchown(h.lock.get(), h.uid, h.gid) != 0) {
        error = "cannot hand " + h.state + "/" + kLockName + " to the run user: " + strerror(errno);
        return false;
    }
    return true;
}

bool read_file(const std::string &path, std::string &out) { return small_file_read(path, out, kMaxSeedFile, true); }

std::string hash_hex(const std::string &data) {
    unsigned char h[16];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char *>(data.data()), data.size(), nullptr, 0);
    char hex[sizeof h * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return hex;
}

bool install_file(const PrivateCodexHome &h, const std::string &name, const std::string &data) {
    return small_file_replace(h.dir + "/" + name, data, h.uid, h.gid);
}

void load_stamp(PrivateCodexHome &h) {
    std::string text;
    if (!read_file(h.state + "/" + kStampName, text)) return;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        size_t sp = line.find(' ');
        if (sp == std::string::npos) continue;
        SeededFile f;
        f.hash = line.substr(0, sp);
        f.name = line.substr(sp + 1);
        if (private_home_is_seeded_name(f.name)) h.seeded.push_back(f);
    }
}

void save_stamp(const PrivateCodexHome &h) {
    std::string text;
    for (const auto &f : h.seeded) text += f.hash + " " + f.name + "\n";
    small_file_replace(h.state + "/" + kStampName, text, h.uid, h.gid);
}

SeededFile *entry(PrivateCodexHome &h, const std::string &name) {
    for (auto &f : h.seeded)
        if (f.name == name) return &f;
    h.seeded.push_back(SeededFile{name, "", {0, 0}, -1, 0});
    return &h.seeded.back();
}

// Copies one source file in if its content differs from what was seeded.
bool sync_file(PrivateCodexHome &h, const std::string &name, const struct stat &st) {
    SeededFile *f = entry(h, name);
    if (f->size == st.st_size && f->ino == st.st_ino && f->mtime.tv_sec == st.st_mtim.tv_sec &&
        f->mtime.tv_nsec == st.st_mtim.tv_nsec)
        return false;
    std::string data;
    if (!read_file(h.source + "/" + name, data)) return false;
    std::string hash = hash_hex(data);
    bool changed = hash != f->hash || access((h.dir + "/" + name).c_str(), F_OK) != 0;
    bool ok = !changed || install_file(h, name, data);
    sodium_memzero(data.data(), data.size());
    if (!ok) return false;  // tried again at the next sync
    f->hash = hash;
    f->size = st.st_size, f->ino = st.st_ino, f->mtime = st.st_mtim;
    return changed;
}

}  // namespace

bool private_home_is_seeded_name(const std::string &name) {
    static const char *const kPatterns[] = {"auth.json",       "*.toml",         "AGENTS.md",  "AGENTS.override.md",
                                            "instructions.md", "*.catalog.json", "models.json"};
    for (const char *p : kPatterns)
        if (fnmatch(p, name.c_str(), FNM_PERIOD) == 0) return true;
    return false;
}

std::vector<std::string> private_home_sync(PrivateCodexHome &h) {
    std::vector<std::string> changed;
    DIR *d = opendir(h.source.c_str());
    if (!d) return changed;
    while (struct dirent *e = readdir(d)) {
        std::string name = e->d_name;
        struct stat st;
        if (!private_home_is_seeded_name(name) || stat((h.source + "/" + name).c_str(), &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (sync_file(h, name, st)) changed.push_back(name);
    }
    closedir(d);
    if (!changed.empty()) save_stamp(h);
    return changed;
}

std::string private_home_default_state(bool dropping_root) {
    if (dropping_root) return "/var/lib/codex-proxy";
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    return (xdg && *xdg ? std::string(xdg) : std::string(home ? home : "") + "/.local/state") + "/codex-proxy";
}

bool private_home_prepare(PrivateCodexHome &h, std::string &error) {
    h.dir = h.state + "/codex-home";
    if (!lock_state_dir(h, error)) return false;
    if (!make_private_dir(h.state, h.uid, h.gid, error) || !make_private_dir(h.dir, h.uid, h.gid, error)) return false;
    if (h.source == h.dir || h.source.rfind(h.dir + "/", 0) == 0) {
        error = "CODEX_HOME may not lie inside CODEX_PROXY_STATE_DIR/codex-home";
        return false;
    }
    load_stamp(h);
    auto changed = private_home_sync(h);
    for (const auto &n : changed) LogLine("supervisor", "info", "seeded the private Codex home").kv("file", n).emit();
    return true;
}

std::string private_home_sqlite_dir(const PrivateCodexHome &h, int index) {
    return h.state + "/executor-" + std::to_string(index);
}
