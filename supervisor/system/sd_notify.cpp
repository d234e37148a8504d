#include "supervisor/system/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <ctime>

#include "common/unique_fd.h"

bool sd_notify_send(const std::string &socket_path, const std::string &state) {
    sockaddr_un sun = {};
    sun.sun_family = AF_UNIX;
    if (socket_path.size() < 2 || socket_path.size() >= sizeof sun.sun_path) return false;
    if (socket_path[0] != '/' && socket_path[0] != '@') return false;
    memcpy(sun.sun_path, socket_path.data(), socket_path.size());
    if (sun.sun_path[0] == '@') sun.sun_path[0] = '\0';  // abstract: no NUL terminator counted
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());
    UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) return false;
    ssize_t n = sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr *>(&sun), len);
    return n == static_cast<ssize_t>(state.size());
}

std::string sd_notify_monotonic_usec() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return "MONOTONIC_USEC=" + std::to_string(uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u);
}
