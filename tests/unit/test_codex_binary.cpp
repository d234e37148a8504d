#include "supervisor/codex/codex_binary.h"
#include "cmocka_cpp.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <cstdio>

#include "common/tree_removal.h"

// A fake npm install in a temp dir: prefix/node_modules/@openai/codex with
// its launcher, the platform package beside it, and .bin/codex -> launcher.
struct Tree {
    std::string root;
    std::string modules;
};

static void write(const std::string &path, const std::string &text, mode_t mode) {
    FILE *f = fopen(path.c_str(), "w");
    fputs(text.c_str(), f);
    fclose(f);
    chmod(path.c_str(), mode);
}

static void mkdirs(const std::string &p) {
    for (size_t i = 1; i <= p.size(); i++)
        if (i == p.size() || p[i] == '/') mkdir(p.substr(0, i).c_str(), 0755);
}

static std::string triple() {
#if defined(__x86_64__)
    return "x86_64-unknown-linux-musl";
#else
    return "aarch64-unknown-linux-musl";
#endif
}

static std::string platform_dir() {
#if defined(__x86_64__)
    return "@openai/codex-linux-x64";
#else
    return "@openai/codex-linux-arm64";
#endif
}

static int setup(void **state) {
    char tmpl[] = "/tmp/test-codex-binary-XXXXXX";
    char *d = mkdtemp(tmpl);
    char real[PATH_MAX];
    auto *t = new Tree;
    t->root = realpath(d, real);
    t->modules = t->root + "/node_modules";
    mkdirs(t->modules + "/@openai/codex/bin");
    write(t->modules + "/@openai/codex/package.json",
          "{\"name\":\"@openai/codex\",\"bin\":{\"codex\":\"bin/codex.js\"}}", 0644);
    write(t->modules + "/@openai/codex/bin/codex.js", "#!/usr/bin/env node\n", 0755);
    std::string vendor = t->modules + "/" + platform_dir() + "/vendor/" + triple() + "/bin";
    mkdirs(vendor);
    write(t->modules + "/" + platform_dir() + "/package.json", "{\"name\":\"" + platform_dir() + "\"}", 0644);
    write(vendor + "/codex", "#!/bin/sh\n", 0755);
    mkdirs(t->modules + "/.bin");
    symlink("../@openai/codex/bin/codex.js", (t->modules + "/.bin/codex").c_str());
    *state = t;
    return 0;
}

static int teardown(void **state) {
    auto *t = static_cast<Tree *>(*state);
    remove_tree(t->root);
    delete t;
    return 0;
}

static std::string native_path(const Tree &t) {
    return t.modules + "/" + platform_dir() + "/vendor/" + triple() + "/bin/codex";
}

static void launcher_on_path_runs_the_platform_binary(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    std::string path = "/nonexistent:" + t.modules + "/.bin";
    CodexBinary b = codex_binary_resolve("codex", path.c_str());
    assert_true(b.native);
    assert_str_equal(b.path, native_path(t));
    assert_str_equal(b.launcher, t.modules + "/@openai/codex/bin/codex.js");
    assert_int_equal(b.env.size(), 2);
    assert_str_equal(b.env[0], "CODEX_MANAGED_PACKAGE_ROOT=" + t.modules + "/@openai/codex");
    assert_str_equal(b.env[1], "CODEX_MANAGED_BY_NPM=1");
}

static void launcher_by_path_runs_the_platform_binary(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    CodexBinary b = codex_binary_resolve(t.modules + "/.bin/codex", nullptr);
    assert_true(b.native);
    assert_str_equal(b.path, native_path(t));
}

static void binary_in_the_packages_own_vendor_is_found(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    remove_tree(t.modules + "/" + platform_dir());
    std::string own = t.modules + "/@openai/codex/vendor/" + triple() + "/bin";
    mkdirs(own);
    write(own + "/codex", "#!/bin/sh\n", 0755);
    CodexBinary b = codex_binary_resolve(t.modules + "/.bin/codex", nullptr);
    assert_true(b.native);
    assert_str_equal(b.path, own + "/codex");
}

static void missing_platform_binary_falls_back_to_the_launcher(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    unlink(native_path(t).c_str());
    CodexBinary b = codex_binary_resolve(t.modules + "/.bin/codex", nullptr);
    assert_false(b.native);
    assert_str_equal(b.path, t.modules + "/.bin/codex");
    assert_true(b.env.empty());
}

static void non_executable_platform_binary_falls_back(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    chmod(native_path(t).c_str(), 0644);
    CodexBinary b = codex_binary_resolve(t.modules + "/.bin/codex", nullptr);
    assert_false(b.native);
    assert_str_equal(b.path, t.modules + "/.bin/codex");
}

static void a_codex_js_of_another_package_is_run_as_is(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    write(t.modules + "/@openai/codex/package.json", "{\"name\":\"not-codex\"}", 0644);
    CodexBinary b = codex_binary_resolve(t.modules + "/.bin/codex", nullptr);
    assert_true(b.native);
    assert_true(b.launcher.empty());
    assert_str_equal(b.path, t.modules + "/.bin/codex");
}

static void a_native_binary_is_run_as_is(void **state) {
    auto &t = *static_cast<Tree *>(*state);
    CodexBinary b = codex_binary_resolve(native_path(t), nullptr);
    assert_true(b.native);
    assert_true(b.launcher.empty());
    assert_str_equal(b.path, native_path(t));
    assert_true(b.env.empty());
}

static void a_name_not_on_path_is_left_to_exec(void **) {
    CodexBinary b = codex_binary_resolve("codex-not-installed-here", "/nonexistent");
    assert_str_equal(b.path, "codex-not-installed-here");
    assert_true(b.launcher.empty());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(launcher_on_path_runs_the_platform_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(launcher_by_path_runs_the_platform_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(binary_in_the_packages_own_vendor_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_platform_binary_falls_back_to_the_launcher, setup, teardown),
        cmocka_unit_test_setup_teardown(non_executable_platform_binary_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(a_codex_js_of_another_package_is_run_as_is, setup, teardown),
        cmocka_unit_test_setup_teardown(a_native_binary_is_run_as_is, setup, teardown),
        cmocka_unit_test(a_name_not_on_path_is_left_to_exec),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
