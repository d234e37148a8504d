#include "supervisor/codex/codex_binary.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "common/small_file.h"
#include "supervisor/base/json_util.h"

namespace {

// bin/codex.js's PLATFORM_PACKAGE_BY_TARGET, for the Linux targets.
#if defined(__x86_64__)
constexpr const char *kTriple = "x86_64-unknown-linux-musl";
constexpr const char *kPlatformPackage = "@openai/codex-linux-x64";
#elif defined(__aarch64__)
constexpr const char *kTriple = "aarch64-unknown-linux-musl";
constexpr const char *kPlatformPackage = "@openai/codex-linux-arm64";
#else
constexpr const char *kTriple = nullptr;
constexpr const char *kPlatformPackage = nullptr;
#endif

bool executable_file(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
}

bool exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

std::string real_path(const std::string &p) {
    char buf[PATH_MAX];
    return realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

std::string parent(const std::string &p) {
    size_t slash = p.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

std::string base_name(const std::string &p) { return p.substr(p.rfind('/') + 1); }

}  // namespace

std::string codex_binary_lookup(const std::string &name, const char *path_env) {
    if (name.empty()) return "";
    if (name.find('/') != std::string::npos) return name;
    std::string path = path_env ? path_env : "/bin:/usr/bin";  // execvp's default
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t end = path.find(':', pos);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(pos, end - pos);
        pos = end + 1;
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (executable_file(candidate)) return candidate;
    }
    return "";
}

bool codex_binary_is_launcher(const std::string &real, std::string &package_root) {
    if (base_name(real) != "codex.js" || base_name(parent(real)) != "bin") return false;
    std::string root = parent(parent(real));
    std::string text;
    if (!small_file_read(root + "/package.json", text, 1u << 20, false)) return false;
    JsonDoc doc(text);
    const cJSON *name = json_get(doc.root, "name");
    if (!cJSON_IsString(name) || std::string(name->valuestring) != "@openai/codex") return false;
    package_root = root;
    return true;
}

// require.resolve("<platform package>/package.json") from the launcher's
// directory: each ancestor's node_modules, skipping ancestors that are
// themselves node_modules folders, as Node's lookup does.
std::string codex_binary_native_for(const std::string &package_root, const std::string &launcher_dir) {
    if (!kTriple) return "";
    std::string vendor = package_root + "/vendor";
    for (std::string dir = launcher_dir;; dir = parent(dir)) {
        if (base_name(dir) != "node_modules") {
            std::string pkg = (dir == "/" ? "" : dir) + "/node_modules/" + kPlatformPackage + "/package.json";
            if (exists(pkg)) {
                vendor = parent(real_path(pkg)) + "/vendor";
                break;
            }
        }
        if (dir == "/") break;
    }
    std::string native = vendor + "/" + kTriple + "/bin/codex";
    return executable_file(native) ? native : "";
}

CodexBinary codex_binary_resolve(const std::string &configured, const char *path_env) {
    CodexBinary b;
    b.path = configured;
    std::string found = codex_binary_lookup(configured, path_env);
    std::string real = found.empty() ? "" : real_path(found);
    std::string root;
    if (real.empty() || !codex_binary_is_launcher(real, root)) return b;
    b.launcher = real;
    std::string native = codex_binary_native_for(root, parent(real));
    if (native.empty()) {
        b.native = false;
        return b;
    }
    b.path = native;
    // What the launcher sets; it names the package manager it detects,
    // and npm is what it assumes when it detects none.
    b.env = {"CODEX_MANAGED_PACKAGE_ROOT=" + root, "CODEX_MANAGED_BY_NPM=1"};
    return b;
}
