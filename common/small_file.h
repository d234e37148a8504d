// Whole small files: read in one go, or replaced atomically.
#pragma once
#include <sys/types.h>

#include <string>

// Reads path into out (at most max bytes; more is an error, errno EFBIG).
// The read buffer is wiped: key files and logins pass through here.
// nofollow refuses a symbolic link (for files the proxy itself wrote).
bool small_file_read(const std::string &path, std::string &out, size_t max, bool nofollow);

// Writes data beside path, fsyncs, hands it to owner (when running as
// root and owner_uid is not -1), then renames it over path: a reader, or a
// kill -9, never sees half a file.
bool small_file_replace(const std::string &path, const std::string &data, uid_t owner_uid = static_cast<uid_t>(-1),
                        gid_t owner_gid = static_cast<gid_t>(-1));
