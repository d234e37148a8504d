#include "supervisor/work_directory.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tree_removal.h"

namespace {
constexpr const char *kLockName = ".codex-proxyd.lock";
}

bool work_directory_claim(const std::string &dir, uid_t owner_uid, gid_t owner_gid, UniqueFd &lock, int &swept,
                          std::string &error) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create CODEX_PROXY_WORKDIR " + dir + ": " + strerror(errno);
        return false;
    }
    struct stat st;
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = "CODEX_PROXY_WORKDIR " + dir + " is not a directory (a symbolic link is refused)";
        return false;
    }
    // One root made (an earlier run before its drop) is handed over.
    if (st.st_uid != owner_uid && !(st.st_uid == 0 && geteuid() == 0)) {
        error = "CODEX_PROXY_WORKDIR " + dir + " belongs to another user";
        return false;
    }
    if ((st.st_uid != owner_uid || st.st_gid != owner_gid) && lchown(dir.c_str(), owner_uid, owner_gid) != 0) {
        error = "cannot hand CODEX_PROXY_WORKDIR to the run user: " + std::string(strerror(errno));
        return false;
    }
    if ((st.st_mode & 077) && chmod(dir.c_str(), 0700) != 0) {
        error = "cannot make CODEX_PROXY_WORKDIR private: " + std::string(strerror(errno));
        return false;
    }
    std::string lock_path = dir + "/" + kLockName;
    lock.reset(open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!lock.valid()) {
        error = "cannot open " + lock_path + ": " + strerror(errno);
        return false;
    }
    if (flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        error = "another codex-proxyd is using CODEX_PROXY_WORKDIR " + dir;
        return false;
    }
    swept = empty_directory(dir, kLockName);
    return true;
}

std::string work_directory_for_executor(const std::string &dir, int index) {
    return dir + "/executor-" + std::to_string(index);
}
