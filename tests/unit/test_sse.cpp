#include "supervisor/http/sse.h"
#include "cmocka_cpp.h"

static void data_only_event(void **) { assert_str_equal(sse_event("", "{\"a\":1}"), "data: {\"a\":1}\n\n"); }

static void named_event(void **) {
    assert_str_equal(sse_event("response.created", "{}"), "event: response.created\ndata: {}\n\n");
}

static void line_breaks_split_into_data_lines(void **) {
    assert_str_equal(sse_event("", "a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
}

static void payload_cannot_end_the_event_early(void **) {
    std::string out = sse_event("", "x\n\nevent: evil");
    assert_str_equal(out, "data: x\ndata: \ndata: event: evil\n\n");
}

static void done_marker(void **) { assert_str_equal(sse_event("", "[DONE]"), "data: [DONE]\n\n"); }

static void comment_is_one_line(void **) {
    assert_str_equal(sse_comment("keep-alive"), ": keep-alive\n\n");
    assert_str_equal(sse_comment("a\nb"), ": a b\n\n");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_only_event),
        cmocka_unit_test(named_event),
        cmocka_unit_test(line_breaks_split_into_data_lines),
        cmocka_unit_test(payload_cannot_end_the_event_early),
        cmocka_unit_test(done_marker),
        cmocka_unit_test(comment_is_one_line),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
