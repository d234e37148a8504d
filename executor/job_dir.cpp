#include "executor/job_dir.h"

#include "common/tree_removal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <cstdint>

bool job_dir_prepare_base(const std::string &base, std::string &error) {
    if (mkdir(base.c_str(), 0700) != 0 && errno != EEXIST) {
        error = std::string("cannot create work directory: ") + strerror(errno);
        return false;
    }
    struct stat st;
    if (lstat(base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = "work directory is not a directory";
        return false;
    }
    // This directory is this executor slot's alone: whatever is in it was
    // left by a predecessor that died mid-job.
    empty_directory(base, nullptr);
    return true;
}

// mkdtemp() draws only 6 characters; a job directory's name carries 64
// random bits, and mkdir() refuses a name that exists, so it is fresh.
bool job_dir_create(const std::string &base, std::string &path, std::string &error) {
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t r;
        if (getrandom(&r, sizeof r, 0) != sizeof r) break;
        char name[32];
        snprintf(name, sizeof name, "job-%016llx", static_cast<unsigned long long>(r));
        path = base + "/" + name;
        if (mkdir(path.c_str(), 0700) == 0) return true;
        if (errno != EEXIST) break;
    }
    error = std::string("cannot create job directory: ") + strerror(errno);
    path.clear();
    return false;
}

bool job_dir_remove(const std::string &path) { return remove_tree(path); }
