#include "common/ipc_frame.h"

#include <cstring>

namespace ipc {

bool msg_type_known(uint8_t t) {
    return t >= static_cast<uint8_t>(MsgType::Ready) && t <= static_cast<uint8_t>(MsgType::Restarting);
}

const char *msg_type_name(MsgType t) {
    switch (t) {
    case MsgType::Ready: return "ready";
    case MsgType::Job: return "job";
    case MsgType::Cancel: return "cancel";
    case MsgType::TextDelta: return "text_delta";
    case MsgType::MessageEnd: return "message_end";
    case MsgType::Usage: return "usage";
    case MsgType::Done: return "done";
    case MsgType::Setup: return "setup";
    case MsgType::UsageWindows: return "usage_windows";
    case MsgType::Restarting: return "restarting";
    }
    return "unknown";
}

static void put_le(std::string &out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

static uint64_t get_le(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

void frame_append(std::string &out, MsgType type, uint64_t job_id, const std::string &payload) {
    put_le(out, payload.size(), 4);
    out.push_back(static_cast<char>(kProtocolVersion));
    out.push_back(static_cast<char>(type));
    put_le(out, 0, 2);
    put_le(out, job_id, 8);
    out += payload;
}

FrameStatus FrameReader::next(FrameHeader &header, std::string &payload) {
    if (buffered() < kHeaderSize) return FrameStatus::NeedMore;
    const auto *p = reinterpret_cast<const unsigned char *>(buf_.data() + pos_);
    uint32_t length = static_cast<uint32_t>(get_le(p, 4));
    if (p[4] != kProtocolVersion || !msg_type_known(p[5]) || p[6] != 0 || p[7] != 0 || length > kMaxPayload)
        return FrameStatus::Corrupt;
    if (buffered() < kHeaderSize + length) return FrameStatus::NeedMore;
    header.length = length;
    header.type = static_cast<MsgType>(p[5]);
    header.job_id = get_le(p + 8, 8);
    payload.assign(buf_, pos_ + kHeaderSize, length);
    pos_ += kHeaderSize + length;
    // Compact once the consumed prefix dominates, so memory stays bounded
    // without moving bytes on every frame.
    if (pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
    } else if (pos_ > 64 * 1024 && pos_ > buf_.size() / 2) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    return FrameStatus::Complete;
}

}  // namespace ipc
