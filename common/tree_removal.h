// Removing a directory tree without following symbolic links, for job
// directories whose content codex and its children wrote.
//
// Every step is relative to an open directory (openat with O_NOFOLLOW,
// unlinkat), never a path walked again, so a link swapped in mid-removal is
// removed as a link and never followed out of the tree. Another file system
// mounted inside is not entered, and a tree deeper than kMaxRemovalDepth is
// left in part (each level holds a descriptor).
#pragma once
#include <string>

constexpr int kMaxRemovalDepth = 256;

// Removes path and everything below it; true when it is gone.
bool remove_tree(const std::string &path);
// Removes the entry name of the directory open as dirfd, and what is below it.
bool remove_tree_at(int dirfd, const char *name);
// Removes everything inside dir except names starting with keep_prefix
// (empty: keep nothing); returns how many entries were removed. A dir that
// is a symbolic link is not followed: nothing is removed.
int empty_directory(const std::string &dir, const char *keep_prefix);
// The same, inside the directory open as dirfd (which stays open).
int empty_directory_at(int dirfd, const char *keep_prefix);
