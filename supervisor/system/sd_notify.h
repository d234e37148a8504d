// systemd's readiness protocol (Type=notify, Type=notify-reload): one
// datagram of NAME=value lines to the AF_UNIX socket named by
// $NOTIFY_SOCKET, a path, or '@' for the abstract namespace.
//
// Written here rather than linking libsystemd: the protocol is a single
// sendto(), and libsystemd would bring a large library (and its own
// dependencies) into a small hardened daemon, and into every build and
// package, for one call.
#pragma once
#include <string>

// Sends state (e.g. "READY=1") to socket_path; false when socket_path is
// empty or unusable, or the datagram was not sent. Never blocks.
bool sd_notify_send(const std::string &socket_path, const std::string &state);

// "MONOTONIC_USEC=<CLOCK_MONOTONIC now>", which Type=notify-reload wants
// beside RELOADING=1.
std::string sd_notify_monotonic_usec();
