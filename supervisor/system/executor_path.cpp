#include "supervisor/system/executor_path.h"

#include <unistd.h>

#include <climits>

std::string executor_path_find(const std::string &configured) {
    if (!configured.empty()) return configured;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        std::string dir(self, static_cast<size_t>(n));
        dir.resize(dir.rfind('/') + 1);
        std::string beside = dir + "codex-proxy-executor";
        if (access(beside.c_str(), X_OK) == 0) return beside;
    }
    return std::string(CODEX_PROXY_LIBEXEC_DIR) + "/codex-proxy-executor";
}
