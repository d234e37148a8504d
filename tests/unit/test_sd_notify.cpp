#include "supervisor/system/sd_notify.h"
#include "cmocka_cpp.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

// A datagram socket bound to name ('@' for the abstract namespace).
static int receiver(const std::string &name) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun = {};
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, name.data(), name.size());
    if (name[0] == '@') sun.sun_path[0] = '\0';
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    assert_int_equal(bind(fd, reinterpret_cast<sockaddr *>(&sun), len), 0);
    return fd;
}

static std::string received(int fd) {
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

static void sends_to_a_path(void **) {
    char dir[] = "/tmp/test-sd-notify-XXXXXX";
    assert_non_null(mkdtemp(dir));
    std::string path = std::string(dir) + "/notify";
    int fd = receiver(path);
    assert_true(sd_notify_send(path, "READY=1"));
    assert_str_equal(received(fd), "READY=1");
    close(fd);
    unlink(path.c_str());
    rmdir(dir);
}

static void sends_to_the_abstract_namespace(void **) {
    std::string name = "@test-sd-notify-" + std::to_string(getpid());
    int fd = receiver(name);
    assert_true(sd_notify_send(name, "STOPPING=1"));
    assert_str_equal(received(fd), "STOPPING=1");
    close(fd);
}

static void no_socket_or_a_bad_one_sends_nothing(void **) {
    assert_false(sd_notify_send("", "READY=1"));
    assert_false(sd_notify_send("relative/path", "READY=1"));
    assert_false(sd_notify_send("/nonexistent/notify", "READY=1"));
    assert_false(sd_notify_send("/" + std::string(200, 'x'), "READY=1"));
}

static void monotonic_usec_is_a_number(void **) {
    std::string s = sd_notify_monotonic_usec();
    assert_int_equal(s.rfind("MONOTONIC_USEC=", 0), 0);
    assert_true(s.size() > strlen("MONOTONIC_USEC=") && s.find_first_not_of("0123456789", 15) == std::string::npos);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_to_a_path),
        cmocka_unit_test(sends_to_the_abstract_namespace),
        cmocka_unit_test(no_socket_or_a_bad_one_sends_nothing),
        cmocka_unit_test(monotonic_usec_is_a_number),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
