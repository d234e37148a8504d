// Standard headers first: cmocka defines a fail() macro that <fstream> trips on.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/tree_removal.h"
#include "cmocka_cpp.h"

static std::string fresh_dir() {
    char dir[] = "/tmp/test-tree-removal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    return dir;
}

static bool exists(const std::string &p) {
    struct stat st;
    return lstat(p.c_str(), &st) == 0;
}

static void a_nested_tree_is_removed(void **) {
    std::string base = fresh_dir(), top = base + "/job";
    assert_int_equal(mkdir(top.c_str(), 0700), 0);
    std::string deep = top;
    for (int i = 0; i < 20; i++) {
        deep += "/d";
        assert_int_equal(mkdir(deep.c_str(), 0700), 0);
        std::ofstream(deep + "/f") << "x";
    }
    assert_int_equal(mkdir((top + "/locked").c_str(), 0500), 0);  // no write bit: root and owner remove it alike
    assert_true(remove_tree(top));
    assert_false(exists(top));
    assert_true(exists(base));
}

static void a_link_inside_is_removed_not_followed(void **) {
    std::string base = fresh_dir(), outside = fresh_dir(), top = base + "/job";
    std::ofstream(outside + "/precious") << "keep";
    assert_int_equal(mkdir((outside + "/sub").c_str(), 0700), 0);
    std::ofstream(outside + "/sub/also") << "keep";
    assert_int_equal(mkdir(top.c_str(), 0700), 0);
    assert_int_equal(symlink(outside.c_str(), (top + "/to-dir").c_str()), 0);
    assert_int_equal(symlink((outside + "/precious").c_str(), (top + "/to-file").c_str()), 0);
    assert_true(remove_tree(top));
    assert_false(exists(top));
    assert_true(exists(outside + "/precious"));
    assert_true(exists(outside + "/sub/also"));
}

static void emptying_keeps_the_prefix_and_follows_no_link(void **) {
    std::string dir = fresh_dir(), outside = fresh_dir();
    std::ofstream(outside + "/precious") << "keep";
    std::ofstream(dir + "/.keep.lock") << "";
    assert_int_equal(mkdir((dir + "/executor-0").c_str(), 0700), 0);
    std::ofstream(dir + "/executor-0/f") << "x";
    assert_int_equal(symlink(outside.c_str(), (dir + "/link").c_str()), 0);
    assert_int_equal(empty_directory(dir, ".keep."), 2);
    assert_true(exists(dir + "/.keep.lock"));
    assert_false(exists(dir + "/executor-0"));
    assert_false(exists(dir + "/link"));
    assert_true(exists(outside + "/precious"));
    // A directory named through a link is not emptied at all.
    std::string link = dir + "/to-outside";
    assert_int_equal(symlink(outside.c_str(), link.c_str()), 0);
    assert_int_equal(empty_directory(link, nullptr), 0);
    assert_true(exists(outside + "/precious"));
}

static void emptying_through_a_descriptor(void **) {
    std::string dir = fresh_dir();
    assert_int_equal(mkdir((dir + "/a").c_str(), 0700), 0);
    std::ofstream(dir + "/a/f") << "x";
    std::ofstream(dir + "/b") << "x";
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(empty_directory_at(fd, nullptr), 2);
    assert_int_equal(empty_directory_at(fd, nullptr), 0);  // the descriptor is still usable
    close(fd);
    assert_true(exists(dir));
}

static void a_missing_path_counts_as_removed(void **) {
    assert_true(remove_tree(fresh_dir() + "/never-made"));
    assert_true(remove_tree(""));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_nested_tree_is_removed),
        cmocka_unit_test(a_link_inside_is_removed_not_followed),
        cmocka_unit_test(emptying_keeps_the_prefix_and_follows_no_link),
        cmocka_unit_test(emptying_through_a_descriptor),
        cmocka_unit_test(a_missing_path_counts_as_removed),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
