#pragma once
#include <string>
// Where the executor binary is: CODEX_PROXY_EXECUTOR, else beside this
// binary (a build tree, or a relocated install), else the libexec dir.
std::string executor_path_find(const std::string &configured);
