#include "executor/backend.h"

namespace {

using Factory = std::unique_ptr<Backend> (*)(const ExecutorSetup &, std::string &);

std::unique_ptr<Backend> exec_factory(const ExecutorSetup &setup, std::string &) {
    return make_codex_exec_backend(setup);
}

// The one list of backends: a new one is a line here and its own file.
const struct {
    const char *name;
    Factory make;
} kBackends[] = {
    {"exec", exec_factory},
    {"app-server", make_codex_app_server_backend},
};

}  // namespace

std::unique_ptr<Backend> make_backend(std::string_view name, const ExecutorSetup &setup, std::string &error) {
    for (const auto &b : kBackends)
        if (name == b.name) return b.make(setup, error);
    error = "unknown backend '" + std::string(name) + "'";
    return nullptr;
}
