// Removing a directory tree without following symbolic links, for job
// directories whose content codex and its children wrote.
#pragma once
#include <string>

// Removes path and everything below it; true when it is gone.
bool remove_tree(const std::string &path);
// Removes everything inside dir except names starting with keep_prefix
// (empty: keep nothing); returns how many entries were removed.
int empty_directory(const std::string &dir, const char *keep_prefix);
