#include "executor/job_dir.h"

#include "common/tree_removal.h"

#include <errno.h>
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
    // This directory is this executor slot's alone: whatever is in it was
    // left by a predecessor that died mid-job.
    empty_directory(base, nullptr);
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

bool job_dir_remove(const std::string &path) { return remove_tree(path); }
