// A fresh private directory per job, so that no job sees another's files.
#pragma once
#include <string>

// Creates base (0700) if missing and empties it: it is this executor's own.
// Refuses a base that is not a directory.
bool job_dir_prepare_base(const std::string &base, std::string &error);
// A new directory under base: job-<64 random bits in hex>, mode 0700.
bool job_dir_create(const std::string &base, std::string &path, std::string &error);
// Removes the directory and everything below it, never following links.
bool job_dir_remove(const std::string &path);
