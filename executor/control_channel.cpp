#include "executor/control_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

ControlChannel::ControlChannel(int fd) : fd_(fd) {
    int fl = fcntl(fd, F_GETFL);
    // Inherited through dup2, so not close-on-exec: without FD_CLOEXEC,
    // codex would hold a channel to the supervisor.
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        error_ = std::string("cannot set up the channel to the supervisor: ") + strerror(errno);
}

bool ControlChannel::send(ipc::MsgType type, uint64_t job_id, const std::string &payload) {
    std::string frame;
    ipc::frame_append(frame, type, job_id, payload);
    size_t off = 0;
    while (off < frame.size()) {
        ssize_t n = ::send(fd_.get(), frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {fd_.get(), POLLOUT, 0};
            poll(&p, 1, 1000);
        } else {
            return false;
        }
    }
    return true;
}

bool ControlChannel::read_available() {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n > 0) {
            reader_.feed(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;  // EOF or a hard error: the supervisor is gone
    }
}
