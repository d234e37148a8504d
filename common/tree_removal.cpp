#include "common/tree_removal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace {

bool remove_at(int dirfd, const char *name, dev_t dev, int depth);

// Removes the entries of the directory open as fd (taken and closed),
// except those starting with keep_prefix; counts what went.
int empty_fd(int fd, dev_t dev, int depth, const char *keep_prefix) {
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    // Names first: removing while reading may skip entries.
    std::vector<std::string> names;
    while (struct dirent *e = readdir(d)) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (keep_prefix && *keep_prefix && !strncmp(e->d_name, keep_prefix, strlen(keep_prefix))) continue;
        names.push_back(e->d_name);
    }
    int removed = 0;
    for (const auto &n : names) removed += remove_at(dirfd(d), n.c_str(), dev, depth);
    closedir(d);
    return removed;
}

bool remove_at(int dirfd, const char *name, dev_t dev, int depth) {
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return true;  // a file or a link, never its target
    if ((errno != EISDIR && errno != EPERM) || depth >= kMaxRemovalDepth) return false;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_dev != dev) {  // a mount point: not entered
        close(fd);
        return false;
    }
    empty_fd(fd, dev, depth + 1, nullptr);
    return unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

}  // namespace

bool remove_tree_at(int dirfd, const char *name) {
    struct stat st;
    if (fstat(dirfd, &st) != 0) return false;
    return remove_at(dirfd, name, st.st_dev, 0);
}

bool remove_tree(const std::string &path) {
    if (path.empty()) return true;
    size_t slash = path.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    int fd = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT;
    bool gone = remove_tree_at(fd, name.c_str());
    close(fd);
    return gone;
}

int empty_directory_at(int dirfd, const char *keep_prefix) {
    struct stat st;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // fdopendir takes its own
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        return 0;
    }
    return empty_fd(fd, st.st_dev, 0, keep_prefix);
}

int empty_directory(const std::string &dir, const char *keep_prefix) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    int removed = empty_directory_at(fd, keep_prefix);
    close(fd);
    return removed;
}
