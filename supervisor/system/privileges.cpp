#include "supervisor/system/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

bool fail(std::string &error, const std::string &what) {
    error = what + (errno ? std::string(": ") + strerror(errno) : std::string());
    return false;
}

// The drop holds only if every id is the target and root is out of reach.
bool verify(const RunAs &r, std::string &error) {
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    errno = 0;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) return fail(error, "getresuid");
    if (ru != r.uid || eu != r.uid || su != r.uid || rg != r.gid || eg != r.gid || sg != r.gid)
        return fail(error, "ids did not change as asked");
    if (getgroups(0, nullptr) != 0) return fail(error, "supplementary groups remain");
    if (setuid(0) != -1 || seteuid(0) != -1) return fail(error, "root could be regained");
    if (r.gid != 0 && (setgid(0) != -1 || setegid(0) != -1)) return fail(error, "group 0 could be regained");
    return true;
}

}  // namespace

bool privileges_plan(const std::string &user, RunAs &r, std::string &error) {
    r = RunAs();
    if (geteuid() != 0) return true;
    errno = 0;
    const struct passwd *pw = getpwnam(user.c_str());
    if (!pw) {
        error = "started as root, and the run user '" + user + "' does not exist: create it (useradd --system " + user +
                ") or set CODEX_PROXY_USER";
        return false;
    }
    if (pw->pw_uid == 0 || pw->pw_gid == 0) {
        error = "CODEX_PROXY_USER '" + user + "' is root or in group 0; name an unprivileged user";
        return false;
    }
    r.drop = true;
    r.uid = pw->pw_uid;
    r.gid = pw->pw_gid;
    r.home = pw->pw_dir ? pw->pw_dir : "/";
    return true;
}

bool privileges_drop(const RunAs &r, std::string &error) {
    if (!r.drop) return true;
    errno = 0;
    if (setgroups(0, nullptr) != 0) return fail(error, "setgroups");
    if (setresgid(r.gid, r.gid, r.gid) != 0) return fail(error, "setresgid");
    if (setresuid(r.uid, r.uid, r.uid) != 0) return fail(error, "setresuid");
    errno = 0;
    return verify(r, error);
}
