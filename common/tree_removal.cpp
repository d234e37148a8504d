#include "common/tree_removal.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int remove_entry(const char *p, const struct stat *, int, struct FTW *) {
    remove(p);
    return 0;
}

bool remove_tree(const std::string &path) {
    if (path.empty()) return true;
    nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    struct stat st;
    return lstat(path.c_str(), &st) != 0;
}

int empty_directory(const std::string &dir, const char *keep_prefix) {
    DIR *d = opendir(dir.c_str());
    if (!d) return 0;
    int removed = 0;
    while (struct dirent *e = readdir(d)) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (keep_prefix && *keep_prefix && !strncmp(e->d_name, keep_prefix, strlen(keep_prefix))) continue;
        if (remove_tree(dir + "/" + e->d_name)) removed++;
    }
    closedir(d);
    return removed;
}
