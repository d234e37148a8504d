// Standard headers first: cmocka defines a fail() macro that <fstream> trips on.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "supervisor/response_store.h"
#include "cmocka_cpp.h"

static std::string fresh_dir() {
    char dir[] = "/tmp/test-response-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    return std::string(dir) + "/responses";
}

static const char *kId1 = "resp_111111111111111111111111";
static const char *kId2 = "resp_222222222222222222222222";
static const char *kMsg1 = "msg_aaaaaaaaaaaaaaaaaaaaaaaa";

static void put_then_get_survives_reopen(void **) {
    std::string dir = fresh_dir(), err;
    {
        ResponseStore s;
        assert_true(s.open(dir, 1 << 20, 3600, err));
        assert_true(s.put(kId1, {{"user", "q", "", "", ""}, {"assistant", "a", "", "", ""}}, {{kMsg1, {"assistant", "a", "", "", ""}}}));
    }
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    std::vector<Turn> conv;
    assert_true(s.conversation(kId1, conv));
    assert_int_equal(conv.size(), 2);
    Turn t;
    assert_true(s.item(kMsg1, t));
    assert_str_equal(t.content, "a");
    assert_false(s.item("msg_bbbbbbbbbbbbbbbbbbbbbbbb", t));
}

static void temporary_and_corrupt_files_are_removed_at_open(void **) {
    std::string dir = fresh_dir(), err;
    mkdir(dir.c_str(), 0700);
    std::ofstream(dir + "/." + kId1 + ".json.tmp") << "{\"conv";                  // a kill -9 mid-write
    std::ofstream(dir + "/" + std::string(kId2) + ".json") << "{\"conversation\":[";  // truncated
    std::ofstream(dir + "/stray") << "x";
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_int_equal(s.count(), 0);
    assert_int_not_equal(access((dir + "/stray").c_str(), F_OK), 0);
    assert_int_not_equal(access((dir + "/" + kId2 + ".json").c_str(), F_OK), 0);
}

static void oldest_are_evicted_past_the_byte_bound(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 300, 3600, err));
    std::string big(200, 'x');
    // Stored within one second, and against id order: age decides, not the id.
    assert_true(s.put(kId2, {{"user", big, "", "", ""}}, {}));
    assert_true(s.put(kId1, {{"user", big, "", "", ""}}, {}));
    std::vector<Turn> conv;
    assert_false(s.conversation(kId2, conv));
    assert_true(s.conversation(kId1, conv));
}

static void a_zero_age_bound_keeps_nothing_old(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 0, err));
    assert_true(s.put(kId1, {{"user", "q", "", "", ""}}, {}));
    sleep(1);
    assert_true(s.put(kId2, {{"user", "q", "", "", ""}}, {}));
    std::vector<Turn> conv;
    assert_false(s.conversation(kId1, conv));
}

static void ids_must_be_ours(void **) {
    assert_true(response_store_id_ok(kId1));
    assert_true(response_store_id_ok(kMsg1));
    for (const char *bad : {"resp_", "resp_../../etc/passwd000000", "RESP_111111111111111111111111", "x", "resp_11111111111111111111111g"})
        assert_false(response_store_id_ok(bad));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_then_get_survives_reopen),
        cmocka_unit_test(temporary_and_corrupt_files_are_removed_at_open),
        cmocka_unit_test(oldest_are_evicted_past_the_byte_bound),
        cmocka_unit_test(a_zero_age_bound_keeps_nothing_old),
        cmocka_unit_test(ids_must_be_ours),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
