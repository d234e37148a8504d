#include "common/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace {

// Every right that changes the file system, by the ABI that introduced it.
uint64_t write_rights(int abi) {
    uint64_t r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                 LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) r |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) r |= 1ULL << 14;  // LANDLOCK_ACCESS_FS_TRUNCATE, newer than these headers
    return r;
}

bool add_dir(int ruleset, const std::string &dir, uint64_t rights, std::string &error) {
    UniqueFd fd(open(dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY));
    if (!fd.valid()) return errno == ENOENT || errno == ENOTDIR || errno == EACCES;
    struct landlock_path_beneath_attr attr = {};
    attr.allowed_access = rights;
    attr.parent_fd = fd.get();
    if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
        error = "landlock_add_rule " + dir + ": " + strerror(errno);
        return false;
    }
    return true;
}

}  // namespace

int landlock_abi() {
    long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v > 0 ? static_cast<int>(v) : 0;
}

LandlockResult landlock_restrict_writes(const std::vector<std::string> &writable, std::string &error) {
    int abi = landlock_abi();
    if (abi == 0) return LandlockResult::Unsupported;
    struct landlock_ruleset_attr ra = {};
    ra.handled_access_fs = write_rights(abi);
    UniqueFd ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &ra, sizeof ra, 0)));
    if (!ruleset.valid()) {
        error = std::string("landlock_create_ruleset: ") + strerror(errno);
        return LandlockResult::Failed;
    }
    for (const auto &dir : writable)
        if (!add_dir(ruleset.get(), dir, ra.handled_access_fs, error)) return LandlockResult::Failed;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
        error = std::string("landlock_restrict_self: ") + strerror(errno);
        return LandlockResult::Failed;
    }
    return LandlockResult::Applied;
}
