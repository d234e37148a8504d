#include "supervisor/daemon/doctor.h"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/landlock.h"
#include "common/log.h"
#include "common/small_file.h"
#include "common/tree_removal.h"
#include "common/unique_fd.h"
#include "supervisor/auth/api_key_sources.h"
#include "supervisor/codex/codex_binary.h"
#include "supervisor/codex/codex_home.h"
#include "supervisor/codex/codex_login.h"
#include "supervisor/system/executor_path.h"
#include "supervisor/codex/private_codex_home.h"
#include "supervisor/system/privileges.h"
#include "supervisor/codex/token_refresh_gate.h"

extern char **environ;

namespace {

struct Doctor {
    Config cfg;
    RunAs run_as;
    std::string run_user;  // name, for messages
    CodexBinary codex;
    std::string codex_home;
    std::string state_dir;
    int problems = 0;
};

void ok(const std::string &topic, const std::string &detail) {
    printf("OK      %s: %s\n", topic.c_str(), log_redact(detail).c_str());
}

void problem(Doctor &d, const std::string &topic, const std::string &detail, const std::string &fix) {
    d.problems++;
    printf("PROBLEM %s: %s; fix: %s\n", topic.c_str(), log_redact(detail).c_str(), log_redact(fix).c_str());
}

// Runs check() in a child that has become the run user (when started as
// root), and returns its exit status.
template <typename F>
int as_run_user(const Doctor &d, F check) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        std::string e;
        if (d.run_as.drop && !privileges_drop(d.run_as, e)) _exit(99);
        _exit(check());
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return 98;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 98;
}

// Runs argv as the run user with env; out gets stdout and stderr (at most
// 1 MiB), killed after timeout_ms. Returns the exit status, or -1.
int run_captured(const Doctor &d, const std::vector<std::string> &argv, const std::vector<std::string> &env,
                 int timeout_ms, std::string &out, bool with_stderr = true) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        std::string e;
        if (d.run_as.drop && !privileges_drop(d.run_as, e)) _exit(126);
        setsid();
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(p[1], 1);
        dup2(with_stderr ? p[1] : null, 2);
        std::vector<char *> a, en;
        for (auto &s : argv) a.push_back(const_cast<char *>(s.c_str()));
        a.push_back(nullptr);
        for (auto &s : env) en.push_back(const_cast<char *>(s.c_str()));
        en.push_back(nullptr);
        execve(a[0], a.data(), en.data());
        _exit(127);
    }
    close(p[1]);
    UniqueFd rd(p[0]);
    if (pid < 0) return -1;
    time_t deadline = time(nullptr) + timeout_ms / 1000;
    char buf[4096];
    for (;;) {
        pollfd pfd = {rd.get(), POLLIN, 0};
        int left = static_cast<int>(deadline - time(nullptr)) * 1000;
        if (left <= 0 || poll(&pfd, 1, left) <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            out += "\n(timed out)";
            break;
        }
        ssize_t n = read(rd.get(), buf, sizeof buf);
        if (n <= 0) break;
        if (out.size() < (1u << 20)) out.append(buf, static_cast<size_t>(n));
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string owner_of(const struct stat &st) {
    const struct passwd *pw = getpwuid(st.st_uid);
    const struct group *gr = getgrgid(st.st_gid);
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return std::string(pw ? pw->pw_name : std::to_string(st.st_uid)) + ":" +
           (gr ? gr->gr_name : std::to_string(st.st_gid)) + " " + mode;
}

std::string codex_env_home(const Doctor &d) {
    if (d.run_as.drop) return d.run_as.home;
    const char *h = getenv("HOME");
    return h ? h : "/";
}

// The environment codex gets from an executor (executor_slot.cpp), with
// the given Codex home.
std::vector<std::string> codex_env(const Doctor &d, const std::string &home, const std::string &sqlite) {
    std::vector<std::string> env = {"HOME=" + codex_env_home(d)};
    std::vector<std::string> names = {"PATH", "LANG", "TZ"};
    names.insert(names.end(), d.cfg.pass_env.begin(), d.cfg.pass_env.end());
    for (const auto &n : names)
        if (n.rfind("CODEX_PROXY_", 0) != 0 && n != "CODEX_HOME" && n != "CODEX_SQLITE_HOME")
            if (const char *v = getenv(n.c_str())) env.push_back(n + "=" + v);
    env.push_back("CODEX_HOME=" + home);
    if (!sqlite.empty()) env.push_back("CODEX_SQLITE_HOME=" + sqlite);
    env.insert(env.end(), d.codex.env.begin(), d.codex.env.end());
    return env;
}

void check_codex(Doctor &d) {
    std::string path = codex_binary_lookup(d.codex.path, getenv("PATH"));
    if (path.empty()) {
        problem(d, "codex", "CODEX_BIN '" + d.cfg.codex_bin + "' is not on PATH",
                "install the Codex CLI (npm install -g @openai/codex) or set CODEX_BIN to its path");
        return;
    }
    std::string out;
    int rc = run_captured(d, {path, "--version"}, codex_env(d, "/nonexistent", ""), 20000, out, false);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (rc != 0) {
        problem(d, "codex", path + " --version failed (status " + std::to_string(rc) + "): " + out.substr(0, 200),
                "check that the run user '" + d.run_user + "' can execute it, or set CODEX_BIN");
        return;
    }
    std::string kind =
        !d.codex.launcher.empty() && d.codex.native ? "native, found through the npm launcher " + d.codex.launcher
        : !d.codex.native ? "the npm launcher: its platform binary was not found, so every request starts Node"
                          : "native";
    ok("codex", path + " (" + out + "; " + kind + ")");
}

void check_login(Doctor &d) {
    std::string toml;
    small_file_read(d.codex_home + "/config.toml", toml, 1u << 20, false);
    bool needs = codex_provider_needs_login(toml);
    std::string private_home = d.state_dir + "/codex-home";
    bool present = codex_login_present(d.codex_home);
    if (!present) {
        if (!needs) {
            ok("login", "none in " + d.codex_home + ", and the configured model provider needs none");
            return;
        }
        if (!codex_login_missing(d.codex_home, private_home, d.cfg.pass_env)) {
            ok("login",
               "no auth.json in " + d.codex_home + "; an API key variable or the private home's login is used");
            return;
        }
        problem(d, "login", "no auth.json in " + d.codex_home + ", and the model provider needs a login",
                "as the run user, `sudo -u " + d.run_user + " env CODEX_HOME=" + d.codex_home +
                    " codex login --device-auth` (or `codex login` where a browser can reach this host)");
        return;
    }
    // The copy codex runs with may hold a newer (refreshed) token.
    std::string text;
    std::string used = private_home + "/auth.json";
    if (!small_file_read(used, text, 1u << 20, true)) {
        used = d.codex_home + "/auth.json";
        small_file_read(used, text, 1u << 20, true);
    }
    time_t exp = 0, last = 0;
    bool chatgpt = token_login_times(text, exp, last);
    sodium_memzero(text.data(), text.size());
    if (!chatgpt) {
        ok("login", "present in " + d.codex_home + " (an API key login)");
        return;
    }
    char exp_s[32] = "unknown", last_s[32] = "unknown";
    if (exp) strftime(exp_s, sizeof exp_s, "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
    if (last) strftime(last_s, sizeof last_s, "%Y-%m-%dT%H:%M:%SZ", gmtime(&last));
    TokenRefreshGate gate(used);
    bool due = gate.refresh_due(time(nullptr));
    ok("login", "present in " + d.codex_home + " (ChatGPT login; access token expires " + exp_s + ", last refresh " +
                    last_s + (due ? "; a refresh is due: the next request renews it" : "; no refresh due") + ")");
}

void check_codex_home_readable(Doctor &d) {
    std::string home = d.codex_home;
    struct stat st;
    if (stat(home.c_str(), &st) != 0)
        return problem(d, "CODEX_HOME", home + " does not exist",
                       "log in into it (see the login line), or set CODEX_HOME to the Codex home to read");
    int rc = as_run_user(d, [&home]() {
        if (access(home.c_str(), R_OK | X_OK) != 0) return 1;
        for (const char *f : {"/auth.json", "/config.toml"})
            if (access((home + f).c_str(), F_OK) == 0 && access((home + f).c_str(), R_OK) != 0) return 2;
        return 0;
    });
    if (rc == 0) return ok("CODEX_HOME", home + " is readable by " + d.run_user);
    problem(d, "CODEX_HOME",
            home +
                (rc == 1 ? " cannot be read by "
                         : " holds a file (auth.json or config.toml) " + d.run_user + " cannot read; ") +
                (rc == 1 ? d.run_user : ""),
            "let the run user read it (it is only ever read), e.g. setfacl -R -m u:" + d.run_user + ":rX " + home);
}

void check_directory(Doctor &d, const char *topic, const std::string &dir, const char *setting) {
    struct stat st;
    uid_t want = d.run_as.drop ? d.run_as.uid : geteuid();
    if (lstat(dir.c_str(), &st) != 0) {
        std::string parent = dir.substr(0, dir.rfind('/'));
        if (parent.empty()) parent = "/";
        struct stat pst;
        if (stat(parent.c_str(), &pst) == 0 && S_ISDIR(pst.st_mode))
            return ok(topic, dir + " does not exist yet; codex-proxyd creates it 0700");
        return problem(d, topic, dir + " does not exist and neither does " + parent,
                       std::string("create ") + parent + ", or set " + setting);
    }
    if (!S_ISDIR(st.st_mode))
        return problem(d, topic, dir + " is not a directory (or is a symlink)",
                       std::string("remove it, or set ") + setting);
    if (st.st_uid != want)
        return problem(d, topic, dir + " is owned by " + owner_of(st) + ", not the run user " + d.run_user,
                       std::string("set ") + setting +
                           " to a path that does not exist yet: codex-proxyd creates "
                           "its directories and never takes over one it did not make");
    ok(topic, dir + " (" + owner_of(st) + ")");
}

void check_executor(Doctor &d) {
    std::string path = executor_path_find(d.cfg.executor_path);
    int rc = as_run_user(d, [&path]() { return access(path.c_str(), X_OK) == 0 ? 0 : 1; });
    if (rc == 0) return ok("executor", path);
    problem(d, "executor", path + " is missing or not executable by " + d.run_user,
            "install codex-proxy-executor there, or set CODEX_PROXY_EXECUTOR");
}

void check_landlock(Doctor &d) {
    int abi = landlock_abi();
    if (!d.cfg.landlock) return ok("landlock", "turned off (CODEX_PROXY_LANDLOCK=0): codex's writes are not confined");
    if (abi > 0)
        return ok("landlock",
                  "available (ABI " + std::to_string(abi) + "): codex may write only its job and state directories");
    problem(
        d, "landlock", "this kernel has no Landlock: codex's writes would not be confined",
        "boot a kernel with Landlock (5.13 or later, `lsm=landlock,…`), or set CODEX_PROXY_LANDLOCK=0 to accept it");
}

// A codex-proxyd answering /healthz on fd: the listener is in use by us.
bool is_codex_proxy(int fd) {
    const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) < 0) return false;
    std::string resp;
    char buf[2048];
    pollfd p = {fd, POLLIN, 0};
    while (resp.size() < 16384 && poll(&p, 1, 3000) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        resp.append(buf, static_cast<size_t>(n));
    }
    return resp.find("\"executors\"") != std::string::npos;
}

void check_unix_listener(Doctor &d, const std::string &path) {
    sockaddr_un sun = {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
        UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (S_ISSOCK(st.st_mode) && connect(probe.get(), reinterpret_cast<sockaddr *>(&sun), sizeof sun) == 0)
            return is_codex_proxy(probe.get()) ? ok("listener", path + ": a codex-proxyd is serving there now")
                                               : problem(d, "listener", path + " is in use by another program",
                                                         "stop it, or set CODEX_PROXY_LISTEN to another path");
        if (!S_ISSOCK(st.st_mode))
            return problem(d, "listener", path + " exists and is not a socket", "remove it, or set CODEX_PROXY_LISTEN");
        return ok("listener", path + " (a stale socket file, replaced at start)");
    }
    std::string dir = path.substr(0, path.rfind('/'));
    if (access(dir.empty() ? "/" : dir.c_str(), W_OK | X_OK) != 0)
        return problem(d, "listener", "cannot create a socket in " + dir,
                       "create " + dir + " writable by the user that starts codex-proxyd");
    ok("listener", "can listen on " + path);
}

void check_listener(Doctor &d, bool has_key) {
    if (d.cfg.listen.rfind("unix:", 0) == 0) return check_unix_listener(d, d.cfg.listen.substr(5));
    sockaddr_storage ss = {};
    socklen_t len = 0;
    auto *v4 = reinterpret_cast<sockaddr_in *>(&ss);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ss);
    bool loopback = false;
    if (inet_pton(AF_INET, d.cfg.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET, v4->sin_port = htons(static_cast<uint16_t>(d.cfg.port)), len = sizeof *v4;
        loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, d.cfg.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6, v6->sin6_port = htons(static_cast<uint16_t>(d.cfg.port)), len = sizeof *v6;
        loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
        return problem(d, "listener", "HOST '" + d.cfg.host + "' is not an IP address",
                       "set HOST to an IPv4 or IPv6 address");
    }
    std::string where = d.cfg.host + ":" + std::to_string(d.cfg.port);
    if (!loopback && !has_key && !d.cfg.allow_unauthenticated)
        return problem(d, "listener",
                       where + " is beyond loopback and no API key is set: codex-proxyd refuses to start",
                       "set CODEX_PROXY_API_KEY_FILE (or CODEX_PROXY_API_KEY), or listen on 127.0.0.1");
    UniqueFd s(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s.get(), reinterpret_cast<sockaddr *>(&ss), len) == 0) return ok("listener", "can listen on " + where);
    int err = errno;
    if (err == EADDRINUSE) {
        UniqueFd c(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (connect(c.get(), reinterpret_cast<sockaddr *>(&ss), len) == 0 && is_codex_proxy(c.get()))
            return ok("listener", where + ": a codex-proxyd is serving there now");
        return problem(d, "listener", where + " is in use by another program", "stop it, or set PORT");
    }
    problem(d, "listener", "cannot bind " + where + ": " + strerror(err),
            err == EACCES ? "use a port above 1023, or start codex-proxyd as root" : "set HOST and PORT");
}

bool check_api_keys(Doctor &d) {
    Config copy = d.cfg;
    ApiKeys keys;
    std::string error;
    if (!api_key_sources_load(copy, keys, error)) {
        problem(d, "API key", error, "fix the key file: one key per line, `#` comments, no spaces in a key");
        return false;
    }
    if (keys.enabled()) ok("API key", "set: /v1/* requires `Authorization: Bearer <key>`");
    else ok("API key", "none set: every client that reaches the listener may use the login");
    return keys.enabled();
}

void check_codex_run(Doctor &d) {
    PrivateCodexHome h;
    h.state = d.state_dir;
    h.source = d.codex_home;
    h.uid = d.run_as.drop ? d.run_as.uid : geteuid();
    h.gid = d.run_as.drop ? d.run_as.gid : getegid();
    std::string error;
    if (!private_home_prepare(h, error))
        return problem(d, "codex run", "cannot prepare the private Codex home: " + error,
                       "check CODEX_PROXY_STATE_DIR");
    char tmpl[] = "/tmp/codex-proxyd-doctor-XXXXXX";
    if (!mkdtemp(tmpl)) return problem(d, "codex run", std::string("mkdtemp: ") + strerror(errno), "check /tmp");
    std::string dir = tmpl;
    if (d.run_as.drop && chown(dir.c_str(), d.run_as.uid, d.run_as.gid) != 0)
        return problem(d, "codex run", std::string("chown: ") + strerror(errno), "check /tmp");
    std::vector<std::string> argv = {codex_binary_lookup(d.codex.path, getenv("PATH")),
                                     "exec",
                                     "--json",
                                     "--skip-git-repo-check",
                                     "--ephemeral",
                                     "--sandbox",
                                     "read-only",
                                     "-C",
                                     dir};
    if (!d.cfg.codex_model.empty()) argv.insert(argv.end(), {"-m", d.cfg.codex_model});
    argv.insert(argv.end(), {"--", "Reply with the single word OK."});
    std::string out;
    int rc = run_captured(d, argv, codex_env(d, h.dir, dir), 120000, out);
    remove_tree(dir);
    if (rc == 0 && out.find("\"turn.completed\"") != std::string::npos)
        return ok("codex run", "one `codex exec` against the configured provider answered");
    size_t at = out.rfind("\"message\"");
    std::string why = at == std::string::npos ? out.substr(out.size() > 300 ? out.size() - 300 : 0)
                                              : out.substr(at, out.find('\n', at) - at).substr(0, 300);
    problem(d, "codex run", "codex exec ended with status " + std::to_string(rc) + ": " + why,
            "see the message; `codex-proxyd` logs the same failure per request");
}

}  // namespace

int doctor_main(bool run_codex) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    Doctor d;
    std::string error;
    if (!config_load(config_getenv, nullptr, d.cfg, error)) {
        printf("PROBLEM settings: %s; fix: correct that variable (README.md, Configuration)\n", error.c_str());
        return 2;
    }
    d.run_user = d.cfg.user;
    if (!privileges_plan(d.cfg.user, d.run_as, error)) {
        problem(d, "run user", error, "create it: useradd --system --user-group " + d.cfg.user);
        return 1;
    }
    if (!d.run_as.drop) {
        const struct passwd *pw = getpwuid(geteuid());
        d.run_user = pw ? pw->pw_name : std::to_string(geteuid());
    }
    ok("run user", d.run_user + (d.run_as.drop ? " (codex-proxyd drops to it from root)" : " (the user running this)"));
    d.codex = codex_binary_resolve(d.cfg.codex_bin, getenv("PATH"));
    d.codex_home = codex_home_resolve(d.cfg.codex_home);
    d.state_dir = d.cfg.state_dir.empty() ? private_home_default_state(d.run_as.drop) : d.cfg.state_dir;
    check_codex(d);
    check_login(d);
    check_codex_home_readable(d);
    check_directory(d, "state directory", d.state_dir, "CODEX_PROXY_STATE_DIR");
    // Its lock is not probed: even a moment's shared lock could make a
    // proxy starting right then refuse to start.
    check_directory(d, "work directory", d.cfg.workdir, "CODEX_PROXY_WORKDIR");
    check_executor(d);
    check_landlock(d);
    bool has_key = check_api_keys(d);
    check_listener(d, has_key);
    if (run_codex && d.problems == 0) check_codex_run(d);
    else if (run_codex) printf("SKIPPED codex run: fix the problems above first\n");
    printf("%s\n", d.problems ? "doctor: problems found" : "doctor: everything OK");
    return d.problems ? 1 : 0;
}
