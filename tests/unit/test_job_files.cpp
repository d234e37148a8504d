#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "executor/job_files.h"
#include "cmocka_cpp.h"

static std::string fresh_dir() {
    char tmpl[] = "/tmp/test-job-files-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

static std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

static void schema_and_images_are_written_private(void **) {
    std::string dir = fresh_dir();
    ipc::JobMsg job;
    job.output_schema = "{\"type\":\"object\"}";
    job.images = {{"png", std::string("\x89PNG\0", 5)}, {"gif", "GIF89a"}};
    JobFiles files;
    std::string error;
    assert_true(job_files_write(job, dir, files, error));
    assert_str_equal(files.output_schema, dir + "/output-schema.json");
    assert_int_equal(files.images.size(), 2);
    assert_str_equal(files.images[1], dir + "/image-2.gif");
    assert_true(slurp(files.images[0]) == job.images[0].bytes);
    struct stat st;
    assert_int_equal(stat(files.output_schema.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    std::string rm = "rm -rf " + dir;
    assert_int_equal(system(rm.c_str()), 0);
}

static void nothing_is_written_for_a_plain_job(void **) {
    std::string dir = fresh_dir();
    JobFiles files;
    std::string error;
    assert_true(job_files_write(ipc::JobMsg{}, dir, files, error));
    assert_true(files.output_schema.empty());
    assert_true(files.images.empty());
    assert_int_equal(rmdir(dir.c_str()), 0);  // still empty
}

static void an_existing_file_or_link_is_never_replaced(void **) {
    std::string dir = fresh_dir();
    assert_int_equal(symlink("/etc/passwd", (dir + "/output-schema.json").c_str()), 0);
    ipc::JobMsg job;
    job.output_schema = "{}";
    JobFiles files;
    std::string error;
    assert_false(job_files_write(job, dir, files, error));
    assert_non_null(strstr(error.c_str(), "output-schema.json"));
    std::string rm = "rm -rf " + dir;
    assert_int_equal(system(rm.c_str()), 0);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_and_images_are_written_private),
        cmocka_unit_test(nothing_is_written_for_a_plain_job),
        cmocka_unit_test(an_existing_file_or_link_is_never_replaced),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
