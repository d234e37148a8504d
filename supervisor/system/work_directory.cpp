#include "supervisor/system/work_directory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tree_removal.h"

namespace {

constexpr const char *kKeepPrefix = ".codex-proxyd.";  // the lock and the marker survive a sweep
constexpr const char *kLockName = ".codex-proxyd.lock";
constexpr const char *kMarkerName = ".codex-proxyd.workdir";

bool has_regular_file(int dirfd, const char *name) {
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

bool is_empty(int dirfd) {
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : nullptr;
    if (!d) {
        if (fd >= 0) close(fd);
        return false;
    }
    bool empty = true;
    while (struct dirent *e = readdir(d))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = false;
    closedir(d);
    return empty;
}

bool make_marker(int dirfd) {
    int fd = openat(dirfd, kMarkerName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno == EEXIST && has_regular_file(dirfd, kMarkerName);
    close(fd);
    return true;
}

// See work_directory.h: which existing directories are the proxy's.
bool made_by_us(int dirfd, const struct stat &st, uid_t owner_uid) {
    if (has_regular_file(dirfd, kMarkerName)) return true;
    if (is_empty(dirfd)) return !(st.st_mode & S_IWOTH) && make_marker(dirfd);
    bool earlier_version = st.st_uid == owner_uid && !(st.st_mode & 077) && has_regular_file(dirfd, kLockName);
    return earlier_version && make_marker(dirfd);
}

// The path as given must be where it leads: a symbolic link in a parent
// (the last component is opened O_NOFOLLOW) could point the sweep elsewhere.
// Checked before mkdir, which would follow it.
bool parent_names_itself(const std::string &dir, const std::string &what, std::string &error) {
    std::string given = dir;
    while (given.size() > 1 && given.back() == '/') given.pop_back();
    size_t slash = given.rfind('/');
    std::string name = slash == std::string::npos ? "" : given.substr(slash + 1);
    if (given.empty() || given[0] != '/' || name.empty() || name == "." || name == "..") {
        error = what + " must be an absolute path naming a directory";
        return false;
    }
    std::string parent = slash == 0 ? "/" : given.substr(0, slash);
    char buf[PATH_MAX];
    if (!realpath(parent.c_str(), buf)) {
        error = "cannot create " + what + ": " + strerror(errno);
        return false;
    }
    if (parent != buf) {
        error = what + " must be a path without symbolic links (its parent is " + buf + ")";
        return false;
    }
    return true;
}

}  // namespace

bool work_directory_claim(const std::string &dir, uid_t owner_uid, gid_t owner_gid, UniqueFd &lock, int &swept,
                          std::string &error) {
    const std::string what = "CODEX_PROXY_WORKDIR " + dir;
    if (!parent_names_itself(dir, what, error)) return false;
    bool created = mkdir(dir.c_str(), 0700) == 0;
    if (!created && errno != EEXIST) {
        error = "cannot create " + what + ": " + strerror(errno);
        return false;
    }
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd.valid() || fstat(fd.get(), &st) != 0) {
        error = what + " is not a directory (a symbolic link is refused)";
        return false;
    }
    // One root made (an earlier run before its drop) is handed over.
    if (st.st_uid != owner_uid && !(st.st_uid == 0 && geteuid() == 0)) {
        error = what + " belongs to another user";
        return false;
    }
    if (!(created ? make_marker(fd.get()) : made_by_us(fd.get(), st, owner_uid))) {
        error = what + " exists and was not made by codex-proxyd (it is not empty and has no " + kMarkerName +
                "); it is never emptied: name a new or an empty directory";
        return false;
    }
    lock.reset(openat(fd.get(), kLockName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!lock.valid()) {
        error = "cannot open " + dir + "/" + kLockName + ": " + strerror(errno);
        return false;
    }
    if (flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        error = "another codex-proxyd is using " + what;
        return false;
    }
    if ((st.st_uid != owner_uid || st.st_gid != owner_gid) && fchown(fd.get(), owner_uid, owner_gid) != 0) {
        error = "cannot hand CODEX_PROXY_WORKDIR to the run user: " + std::string(strerror(errno));
        return false;
    }
    if ((st.st_mode & 077) && fchmod(fd.get(), 0700) != 0) {
        error = "cannot make CODEX_PROXY_WORKDIR private: " + std::string(strerror(errno));
        return false;
    }
    swept = empty_directory_at(fd.get(), kKeepPrefix);
    return true;
}

std::string work_directory_for_executor(const std::string &dir, int index) {
    return dir + "/executor-" + std::to_string(index);
}
