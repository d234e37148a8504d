#include "executor/job_dir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    return true;
}

bool job_dir_create(const std::string &base, std::string &path, std::string &error) {
    std::string tmpl = base + "/job-XXXXXXXXXX";
    if (!mkdtemp(tmpl.data())) {
        error = std::string("cannot create job directory: ") + strerror(errno);
        return false;
    }
    path = tmpl;
    return true;
}

static int remove_entry(const char *p, const struct stat *, int, struct FTW *) {
    remove(p);
    return 0;
}

bool job_dir_remove(const std::string &path) {
    if (path.empty()) return true;
    nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    struct stat st;
    return lstat(path.c_str(), &st) != 0;
}
