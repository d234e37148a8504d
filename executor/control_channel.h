// The executor's end of its Unix socket to the supervisor.
#pragma once
#include <string>

#include "common/ipc_frame.h"
#include "common/unique_fd.h"

class ControlChannel {
public:
    explicit ControlChannel(int fd);
    // Why the channel cannot be used (fcntl failed); empty when it can.
    const std::string &error() const { return error_; }
    int fd() const { return fd_.get(); }
    // Writes a whole frame, waiting for room if the supervisor is slow.
    bool send(ipc::MsgType type, uint64_t job_id, const std::string &payload);
    // Reads what is available without blocking; false once the supervisor
    // has gone or spoken something that is not our protocol.
    bool read_available();
    ipc::FrameStatus next(ipc::FrameHeader &h, std::string &payload) { return reader_.next(h, payload); }

private:
    UniqueFd fd_;
    ipc::FrameReader reader_;
    std::string error_;
};
