// Framing of the supervisor <-> executor channel.
//
// Every message is one frame: a fixed 16-byte header followed by a typed
// payload. The header carries a protocol version so that a supervisor never
// talks to an executor from another build, and a job id so that a late event
// from a cancelled job can never be mistaken for the next job's.
//
//   u32 payload length (little endian)  u8 version  u8 type  u16 zero
//   u64 job id (little endian)
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ipc {

constexpr uint8_t kProtocolVersion = 4;
constexpr size_t kHeaderSize = 16;
// A prompt is at most ~4 MiB of UTF-8 (1 Mi characters); leave room for it.
constexpr uint32_t kMaxPayload = 8u * 1024 * 1024;

enum class MsgType : uint8_t {
    Ready = 1,         // executor -> supervisor: up and idle
    Job = 2,           // supervisor -> executor: run this prompt
    Cancel = 3,        // supervisor -> executor: stop the job now
    TextDelta = 4,     // executor -> supervisor: more of the current assistant message
    MessageEnd = 5,    // executor -> supervisor: the rest of the current message, which ends here
    Usage = 6,         // executor -> supervisor: token counts of the turn
    Done = 7,          // executor -> supervisor: the job is over, executor idle
    Setup = 8,         // supervisor -> executor: its ExecutorSetup, the first frame
    UsageWindows = 9,  // executor -> supervisor: the account's usage windows (during a job)
    Restarting = 10,   // executor -> supervisor: idle, replacing its backend; Ready follows (empty payload)
};
bool msg_type_known(uint8_t t);
// For every log line about a frame: "ready", "text_delta", ...
const char *msg_type_name(MsgType t);

struct FrameHeader {
    uint32_t length = 0;
    MsgType type = MsgType::Ready;
    uint64_t job_id = 0;
};

// Appends a whole frame (header + payload) to out.
void frame_append(std::string &out, MsgType type, uint64_t job_id, const std::string &payload);

enum class FrameStatus { Complete, NeedMore, Corrupt };

// Reads frames out of a byte stream that arrives in arbitrary pieces.
class FrameReader {
public:
    void feed(const char *data, size_t len) { buf_.append(data, len); }
    // On Complete, header and payload hold the next frame, which is consumed.
    // Corrupt is final: the peer is not speaking this protocol.
    FrameStatus next(FrameHeader &header, std::string &payload);
    size_t buffered() const { return buf_.size() - pos_; }

private:
    std::string buf_;
    size_t pos_ = 0;
};

}  // namespace ipc
