#include "common/ipc_frame.h"
#include "cmocka_cpp.h"

using namespace ipc;

static void frame_round_trip(void **) {
    std::string wire;
    frame_append(wire, MsgType::Job, 42, "payload");
    assert_int_equal(wire.size(), kHeaderSize + 7);
    FrameReader r;
    r.feed(wire.data(), wire.size());
    FrameHeader h;
    std::string p;
    assert_int_equal(r.next(h, p), FrameStatus::Complete);
    assert_int_equal(h.type, MsgType::Job);
    assert_int_equal(h.job_id, 42);
    assert_str_equal(p, "payload");
    assert_int_equal(r.next(h, p), FrameStatus::NeedMore);
}

static void frame_arrives_one_byte_at_a_time(void **) {
    std::string wire;
    frame_append(wire, MsgType::TextDelta, 7, "abc");
    frame_append(wire, MsgType::Done, 7, "");
    FrameReader r;
    FrameHeader h;
    std::string p;
    int complete = 0;
    for (char c : wire) {
        r.feed(&c, 1);
        while (r.next(h, p) == FrameStatus::Complete) complete++;
    }
    assert_int_equal(complete, 2);
    assert_int_equal(h.type, MsgType::Done);
    assert_int_equal(r.buffered(), 0);
}

static void truncated_frame_needs_more(void **) {
    std::string wire;
    frame_append(wire, MsgType::MessageEnd, 1, "0123456789");
    FrameReader r;
    r.feed(wire.data(), wire.size() - 1);
    FrameHeader h;
    std::string p;
    assert_int_equal(r.next(h, p), FrameStatus::NeedMore);
    assert_int_equal(r.buffered(), wire.size() - 1);
}

static FrameStatus status_of(std::string wire) {
    FrameReader r;
    r.feed(wire.data(), wire.size());
    FrameHeader h;
    std::string p;
    return r.next(h, p);
}

static void wrong_version_is_corrupt(void **) {
    std::string wire;
    frame_append(wire, MsgType::Ready, 0, "");
    wire[4] = 9;
    assert_int_equal(status_of(wire), FrameStatus::Corrupt);
}

static void unknown_type_is_corrupt(void **) {
    std::string wire;
    frame_append(wire, MsgType::Ready, 0, "");
    wire[5] = 99;
    assert_int_equal(status_of(wire), FrameStatus::Corrupt);
    wire[5] = 0;
    assert_int_equal(status_of(wire), FrameStatus::Corrupt);
}

static void nonzero_reserved_is_corrupt(void **) {
    std::string wire;
    frame_append(wire, MsgType::Ready, 0, "");
    wire[7] = 1;
    assert_int_equal(status_of(wire), FrameStatus::Corrupt);
}

static void oversized_length_is_corrupt_before_the_payload_arrives(void **) {
    std::string wire;
    frame_append(wire, MsgType::Job, 1, "");
    uint32_t big = kMaxPayload + 1;
    for (int i = 0; i < 4; i++) wire[i] = static_cast<char>((big >> (8 * i)) & 0xff);
    assert_int_equal(status_of(wire), FrameStatus::Corrupt);
}

static void large_payload_round_trips(void **) {
    std::string big(4u << 20, 'x');
    std::string wire;
    frame_append(wire, MsgType::Job, 3, big);
    FrameReader r;
    for (size_t off = 0; off < wire.size(); off += 65536)
        r.feed(wire.data() + off, std::min<size_t>(65536, wire.size() - off));
    FrameHeader h;
    std::string p;
    assert_int_equal(r.next(h, p), FrameStatus::Complete);
    assert_true(p == big);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_round_trip),
        cmocka_unit_test(frame_arrives_one_byte_at_a_time),
        cmocka_unit_test(truncated_frame_needs_more),
        cmocka_unit_test(wrong_version_is_corrupt),
        cmocka_unit_test(unknown_type_is_corrupt),
        cmocka_unit_test(nonzero_reserved_is_corrupt),
        cmocka_unit_test(oversized_length_is_corrupt_before_the_payload_arrives),
        cmocka_unit_test(large_payload_round_trips),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
