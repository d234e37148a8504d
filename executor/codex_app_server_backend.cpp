// The `codex app-server` backend (issue #12) goes here; until it does,
// CODEX_PROXY_BACKEND=app-server is refused by every executor at start.
#include "executor/backend.h"

std::unique_ptr<Backend> make_codex_app_server_backend(const ExecutorSetup &, std::string &error) {
    error = "the app-server backend is not part of this build (CODEX_PROXY_BACKEND=app-server)";
    return nullptr;
}
