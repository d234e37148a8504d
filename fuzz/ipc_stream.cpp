// Eats bytes as read from an executor's (or the supervisor's) channel, in
// pieces: frames are read out as they complete and each payload is decoded
// as the message its type says (and as every other message too: a decoder
// must refuse, never overrun, what is not its own). A decoded message must
// encode back to the same payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/ipc_frame.h"
#include "common/ipc_messages.h"

namespace {

template <typename Msg>
void decode_as(const std::string &payload) {
    Msg m;
    if (ipc::decode(payload, m) && ipc::encode(m) != payload) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    // The first byte sets the size of the pieces the stream arrives in.
    size_t piece = data[0] % 64 + 1;
    const char *p = reinterpret_cast<const char *>(data + 1);
    size_t left = size - 1;
    ipc::FrameReader reader;
    while (left > 0) {
        size_t n = left < piece ? left : piece;
        reader.feed(p, n);
        p += n;
        left -= n;
        for (;;) {
            ipc::FrameHeader h;
            std::string payload;
            ipc::FrameStatus st = reader.next(h, payload);
            if (st == ipc::FrameStatus::Corrupt) return 0;
            if (st == ipc::FrameStatus::NeedMore) break;
            if (payload.size() != h.length || h.length > ipc::kMaxPayload) abort();
            decode_as<ipc::ReadyMsg>(payload);
            decode_as<ipc::JobMsg>(payload);
            decode_as<ipc::TextMsg>(payload);
            decode_as<ipc::UsageMsg>(payload);
            decode_as<ipc::DoneMsg>(payload);
            decode_as<ipc::UsageWindowsMsg>(payload);
            if (ipc::decode_empty(payload) != payload.empty()) abort();  // Cancel, Restarting
        }
    }
    return 0;
}
