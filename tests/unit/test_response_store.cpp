// Standard headers first: cmocka defines a fail() macro that <fstream> trips on.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "supervisor/api/response_store.h"
#include "cmocka_cpp.h"

static std::string fresh_dir() {
    char dir[] = "/tmp/test-response-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    return std::string(dir) + "/responses";
}

static const char *kId1 = "resp_111111111111111111111111";
static const char *kId2 = "resp_222222222222222222222222";
static const char *kMsg1 = "msg_aaaaaaaaaaaaaaaaaaaaaaaa";
// Two tenants, as ApiKeys::tenant tags them.
static const char *kA = "0123456789abcdef0123456789abcdef";
static const char *kB = "fedcba9876543210fedcba9876543210";

static Turn said(const char *role, const char *text) { return Turn{role, text, "", "", {}}; }

static off_t file_size(const std::string &path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

static void put_then_get_survives_reopen(void **) {
    std::string dir = fresh_dir(), err;
    {
        ResponseStore s;
        assert_true(s.open(dir, 1 << 20, 3600, err));
        assert_true(s.put(kA, kId1, {{"user", "q", "", "", {}}, {"assistant", "a", "", "", {}}},
                          {{kMsg1, {"assistant", "a", "", "", {}}}}));
    }
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    std::vector<Turn> conv;
    assert_true(s.conversation(kA, kId1, conv));
    assert_int_equal(conv.size(), 2);
    Turn t;
    assert_true(s.item(kA, kMsg1, t));
    assert_str_equal(t.content, "a");
    assert_false(s.item(kA, "msg_bbbbbbbbbbbbbbbbbbbbbbbb", t));
}

static const char kCalls[] = R"([{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}])";

static void tool_calls_are_stored_as_json_not_as_text(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_true(s.put(kA, kId1, {Turn{"assistant", "", "", "", JsonValue::parse(kCalls)}}, {}));
    std::ifstream in(dir + "/" + kId1 + ".json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    assert_non_null(strstr(text.c_str(), R"("tool_calls":[{"id":"call_1")"));
    std::vector<Turn> conv;
    assert_true(s.conversation(kA, kId1, conv));
    assert_true(cJSON_IsArray(conv[0].tool_calls.get()));
    assert_str_equal(conv[0].tool_calls.text(), kCalls);
}

// Files written before the calls were kept as values hold their text.
static void tool_calls_stored_as_text_still_read(void **) {
    std::string dir = fresh_dir(), err;
    mkdir(dir.c_str(), 0700);
    cJSON *turn = cJSON_CreateObject();
    cJSON_AddStringToObject(turn, "role", "assistant");
    cJSON_AddStringToObject(turn, "content", "");
    cJSON_AddStringToObject(turn, "tool_calls", kCalls);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "owner", kA);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "conversation"), turn);
    cJSON_AddObjectToObject(root, "items");
    char *text = cJSON_PrintUnformatted(root);
    std::ofstream(dir + "/" + kId1 + ".json") << text;
    free(text);
    cJSON_Delete(root);
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    std::vector<Turn> conv;
    assert_true(s.conversation(kA, kId1, conv));
    assert_str_equal(conv[0].tool_calls.text(), kCalls);
}

static void temporary_and_corrupt_files_are_removed_at_open(void **) {
    std::string dir = fresh_dir(), err;
    mkdir(dir.c_str(), 0700);
    std::ofstream(dir + "/." + kId1 + ".json.tmp") << "{\"conv";                      // a kill -9 mid-write
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
    assert_true(s.open(dir, 450, 3600, err));
    std::string big(200, 'x');
    // Stored within one second, and against id order: age decides, not the id.
    assert_true(s.put(kA, kId2, {{"user", big, "", "", {}}}, {}));
    assert_true(s.put(kA, kId1, {{"user", big, "", "", {}}}, {}));
    std::vector<Turn> conv;
    assert_false(s.conversation(kA, kId2, conv));
    assert_true(s.conversation(kA, kId1, conv));
}

static void a_zero_age_bound_keeps_nothing_old(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 0, err));
    assert_true(s.put(kA, kId1, {{"user", "q", "", "", {}}}, {}));
    sleep(1);
    assert_true(s.put(kA, kId2, {{"user", "q", "", "", {}}}, {}));
    std::vector<Turn> conv;
    assert_false(s.conversation(kA, kId1, conv));
}

static void ids_must_be_ours(void **) {
    assert_true(response_store_id_ok(kId1));
    assert_true(response_store_id_ok(kMsg1));
    for (const char *bad : {"resp_", "resp_../../etc/passwd000000", "RESP_111111111111111111111111", "x",
                            "resp_11111111111111111111111g"})
        assert_false(response_store_id_ok(bad));
}

static void another_tenants_response_and_items_are_not_found(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_true(s.put(kA, kId1, {said("user", "q"), said("assistant", "a")}, {{kMsg1, said("assistant", "a")}}));
    std::vector<Turn> conv;
    Turn t;
    assert_false(s.conversation(kB, kId1, conv));
    assert_false(s.conversation("", kId1, conv));  // nor the keyless tenant's
    assert_false(s.item(kB, kMsg1, t));
    assert_true(s.conversation(kA, kId1, conv));
    assert_true(s.item(kA, kMsg1, t));
}

static void a_client_id_never_replaces_a_minted_item(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_true(s.put(kA, kId1, {said("assistant", "real")}, {{kMsg1, said("assistant", "real")}}));
    // A later input item carrying the minted id, by its own tenant and by another.
    assert_true(s.put(kA, kId2, {said("assistant", "injected")}, {}, {{kMsg1, said("assistant", "injected")}}));
    assert_true(s.put(kB, "resp_333333333333333333333333", {said("assistant", "other")}, {},
                      {{kMsg1, said("assistant", "other")}}));
    Turn t;
    assert_true(s.item(kA, kMsg1, t));
    assert_str_equal(t.content, "real");
    // B reaches only its own client id, never A's item.
    assert_true(s.item(kB, kMsg1, t));
    assert_str_equal(t.content, "other");
    ResponseStore reopened;
    assert_true(reopened.open(dir, 1 << 20, 3600, err));
    assert_true(reopened.item(kA, kMsg1, t));
    assert_str_equal(t.content, "real");
}

static void a_client_id_is_found_by_its_own_tenant_only(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_true(s.put(kA, kId1, {said("user", "mine")}, {}, {{kMsg1, said("user", "mine")}}));
    Turn t;
    assert_true(s.item(kA, kMsg1, t));
    assert_str_equal(t.content, "mine");
    assert_false(s.item(kB, kMsg1, t));
}

static void files_without_an_owner_are_removed_at_open(void **) {
    std::string dir = fresh_dir(), err;
    mkdir(dir.c_str(), 0700);
    std::string old = dir + "/" + kId1 + ".json";  // as written before responses had owners
    std::ofstream(old) << R"({"conversation":[{"role":"user","content":"q"}],"items":{}})";
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_int_equal(s.count(), 0);
    assert_int_not_equal(access(old.c_str(), F_OK), 0);
}

// put() once removed the file it had just written when the id was stored already.
static void storing_an_id_again_replaces_it_and_keeps_the_file(void **) {
    std::string dir = fresh_dir(), err;
    ResponseStore s;
    assert_true(s.open(dir, 1 << 20, 3600, err));
    assert_true(s.put(kA, kId1, {said("user", "first")}, {}));
    assert_true(s.put(kA, kId1, {said("user", "second, longer")}, {}));
    std::vector<Turn> conv;
    assert_true(s.conversation(kA, kId1, conv));
    assert_int_equal(conv.size(), 1);
    assert_str_equal(conv[0].content, "second, longer");
    assert_int_equal(s.count(), 1);
    assert_int_equal(s.total_bytes(), file_size(dir + "/" + kId1 + ".json"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_then_get_survives_reopen),
        cmocka_unit_test(temporary_and_corrupt_files_are_removed_at_open),
        cmocka_unit_test(oldest_are_evicted_past_the_byte_bound),
        cmocka_unit_test(a_zero_age_bound_keeps_nothing_old),
        cmocka_unit_test(ids_must_be_ours),
        cmocka_unit_test(another_tenants_response_and_items_are_not_found),
        cmocka_unit_test(a_client_id_never_replaces_a_minted_item),
        cmocka_unit_test(a_client_id_is_found_by_its_own_tenant_only),
        cmocka_unit_test(files_without_an_owner_are_removed_at_open),
        cmocka_unit_test(tool_calls_are_stored_as_json_not_as_text),
        cmocka_unit_test(tool_calls_stored_as_text_still_read),
        cmocka_unit_test(storing_an_id_again_replaces_it_and_keeps_the_file),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
