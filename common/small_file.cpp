#include "common/small_file.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"

bool small_file_read(const std::string &path, std::string &out, size_t max, bool nofollow) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0)));
    if (!fd.valid()) return false;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd.get(), buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max) {
            n = -1;
            errno = EFBIG;
            break;
        }
    }
    int saved = errno;
    explicit_bzero(buf, sizeof buf);
    errno = saved;
    return n == 0;
}

bool small_file_replace(const std::string &path, const std::string &data, uid_t owner_uid, gid_t owner_gid) {
    size_t slash = path.rfind('/');
    std::string tmp = path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".tmp";
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return false;
    bool ok = true;
    for (size_t off = 0; ok && off < data.size();) {
        ssize_t n = write(fd.get(), data.data() + off, data.size() - off);
        ok = n > 0;
        if (ok) off += static_cast<size_t>(n);
    }
    if (ok && geteuid() == 0 && owner_uid != static_cast<uid_t>(-1)) ok = fchown(fd.get(), owner_uid, owner_gid) == 0;
    ok = ok && fsync(fd.get()) == 0 && rename(tmp.c_str(), path.c_str()) == 0;
    if (!ok) {
        int saved = errno;
        unlink(tmp.c_str());
        errno = saved;
    }
    return ok;
}
