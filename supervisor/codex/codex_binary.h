// Which codex the executors run.
//
// `npm install @openai/codex` puts a Node launcher on PATH (bin/codex.js)
// that looks up the platform binary in a vendored optional package and
// execs it with two variables set. Starting Node for every request costs
// ~50 ms, so the supervisor does that lookup once, as the launcher would,
// and executors run the binary it found with the environment it would
// have set. When the binary is not where the launcher would look, the
// launcher runs as configured.
#pragma once
#include <string>
#include <vector>

struct CodexBinary {
    std::string path;              // what executors exec
    std::vector<std::string> env;  // NAME=value added to codex's environment
    bool native = true;            // false: the npm launcher itself runs
    std::string launcher;          // the launcher's real path, when CODEX_BIN is one
};

// CODEX_BIN (a path, or a name looked up in path_env, as execvp would).
CodexBinary codex_binary_resolve(const std::string &configured, const char *path_env);

// The steps, exposed for tests.
// The file `name` resolves to: itself when it holds a '/', else the first
// executable regular file of that name in path_env; "" when none.
std::string codex_binary_lookup(const std::string &name, const char *path_env);
// True when real_path is @openai/codex's bin/codex.js; package_root is set.
bool codex_binary_is_launcher(const std::string &real_path, std::string &package_root);
// The platform binary the launcher at package_root would exec for this
// machine's target triple (Node's module lookup of the platform package,
// else the package's own vendor/); "" when it is not there.
std::string codex_binary_native_for(const std::string &package_root, const std::string &launcher_dir);
