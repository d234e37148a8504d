#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "supervisor/http/http_request.h"
#include "cmocka_cpp.h"

// Every block this program frees is searched for the marker first: a key
// that reaches a freed block stays readable in the heap until reused.
static const char kMarker[] = "sk-MARKER-0123456789abcdef";
static int g_freed_with_marker = 0;

static void check_and_free(void *p) {
    if (!p) return;
    size_t n = malloc_usable_size(p);
    if (n >= sizeof kMarker - 1 && memmem(p, n, kMarker, sizeof kMarker - 1)) g_freed_with_marker++;
    free(p);
}

void *operator new(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}
void operator delete(void *p) noexcept { check_and_free(p); }
void operator delete(void *p, size_t) noexcept { check_and_free(p); }

// A value arriving in pieces, as a header does over several reads.
static void feed_in_pieces(std::string &s, bool wiping) {
    std::string v;
    v.reserve(300);  // built in place: no temporary holds the marker
    v.append("Bearer ").append(kMarker).append(200, 'x');
    for (size_t i = 0; i < v.size(); i += 7) {
        size_t n = std::min<size_t>(7, v.size() - i);
        if (wiping) append_wiping(s, v.data() + i, n);
        else s.append(v.data() + i, n);
    }
    wipe_string(v);
}

static void plain_append_leaves_the_marker_in_freed_blocks(void **) {
    g_freed_with_marker = 0;
    {
        std::string s;
        feed_in_pieces(s, false);
        wipe_string(s);
    }
    assert_true(g_freed_with_marker > 0);  // the detector works
}

static void append_wiping_leaves_no_copy_in_freed_blocks(void **) {
    g_freed_with_marker = 0;
    {
        std::string s;
        feed_in_pieces(s, true);
        assert_non_null(strstr(s.c_str(), kMarker));
        wipe_string(s);
    }
    assert_int_equal(g_freed_with_marker, 0);
}

static void wipe_string_zeroes_the_whole_buffer(void **) {
    std::string s(64, 'k');
    s.resize(10);
    wipe_string(s);
    assert_true(s.empty());
    s.resize(s.capacity());
    for (char c : s) assert_int_equal(c, 0);
}

static void wipe_credentials_wipes_only_credential_headers(void **) {
    g_freed_with_marker = 0;
    {
        HttpRequest r;
        r.headers.reserve(3);
        r.headers.emplace_back("host", "x");
        r.headers.emplace_back("authorization", std::string());
        r.headers.back().second.append("Bearer ").append(kMarker);
        r.headers.emplace_back("proxy-authorization", std::string());
        r.headers.back().second.append("Basic ").append(kMarker);
        r.wipe_credentials();
        assert_string_equal(r.header("host")->c_str(), "x");
        assert_true(r.header("authorization")->empty());
        assert_true(r.header("proxy-authorization")->empty());
    }
    assert_int_equal(g_freed_with_marker, 0);
}

static void header_count_counts_repeats(void **) {
    HttpRequest r;
    r.headers.emplace_back("host", "a");
    r.headers.emplace_back("host", "b");
    assert_int_equal(r.header_count("host"), 2);
    assert_int_equal(r.header_count("authorization"), 0);
}

static void field_names_are_tokens(void **) {
    assert_true(http_token_valid("transfer-encoding"));
    assert_true(http_token_valid("X-Custom_1.a!#$%&'*+^`|~"));
    assert_false(http_token_valid(""));
    assert_false(http_token_valid("transfer-encoding "));
    assert_false(http_token_valid("content-length\t"));
    assert_false(http_token_valid("a b"));
    assert_false(http_token_valid("a:b"));
    assert_false(http_token_valid("a\"b"));
    assert_false(http_token_valid(std::string("a\0b", 3)));
    assert_false(http_token_valid("caf\xc3\xa9"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_append_leaves_the_marker_in_freed_blocks),
        cmocka_unit_test(append_wiping_leaves_no_copy_in_freed_blocks),
        cmocka_unit_test(wipe_string_zeroes_the_whole_buffer),
        cmocka_unit_test(wipe_credentials_wipes_only_credential_headers),
        cmocka_unit_test(header_count_counts_repeats),
        cmocka_unit_test(field_names_are_tokens),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
