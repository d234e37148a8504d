// A fresh directory for a target's files, under $TMPDIR (run_target.sh
// points it at its scratch folder, removed after the run) or /tmp.
#pragma once
#include <cstdlib>
#include <string>

inline std::string scratch_dir(const char *name) {
    const char *tmp = getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + name + "-XXXXXX";
    if (!mkdtemp(dir.data())) abort();
    return dir;
}
