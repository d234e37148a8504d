#!/usr/bin/env bash
# The hardened unit, run by systemd: the package installed into a Debian 12
# container whose init is systemd (podman), the service started by the
# install, then a chat completion served through the native Codex CLI and the
# scripted model server, with the key the install generated, under every
# restriction of packaging/codex-proxy.service (the rating of 1.2 is only
# worth something if the proxy still works inside it).
#
# Uses the caches of package_lib.sh and a podman store of its own under
# /var/cache/codex-proxy-tests/package/podman. Needs root, podman (with runc),
# node and the e2e packages (tests/e2e/node_modules: the pinned Codex CLI).
set -euo pipefail

name=systemd_service
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
step() { echo "$name: $*"; }
. "$(dirname "$0")/package_lib.sh"

[ "$(id -u)" -eq 0 ] || fail "needs root (podman with systemd as init); run the tests as root, as CI does"
for tool in dpkg-buildpackage dpkg-checkbuilddeps debootstrap podman runc node curl; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: install dpkg-dev, debootstrap, podman, runc, nodejs and curl (scripts/install-deps.sh does)"
done
codex=$(ls "$src"/tests/e2e/node_modules/@openai/codex-linux-*/vendor/*-unknown-linux-musl/bin/codex 2>/dev/null | head -n 1)
[ -n "$codex" ] && codex=$(readlink -f "$codex") || fail "the native Codex CLI is missing: run npm ci in tests/e2e (scripts/test.sh does)"

work=$(mktemp -d /var/tmp/codex-proxy-systemd.XXXXXX)
box=codex-proxy-systemd-test-$$
mock_pid=
store=$cache/podman
mkdir -p "$store"
cat > "$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$store/storage"
runroot = "/run/codex-proxy-tests/package-podman"
EOF
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf
cleanup() {
  podman rm -f -t 0 "$box" >/dev/null 2>&1 || true
  [ -z "$mock_pid" ] || kill "$mock_pid" 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
in_box() { podman exec "$box" "$@"; }
journal() { in_box journalctl -u codex-proxy --no-pager -o cat; }

package_build
base_root
image=localhost/codex-proxy-test-root:$(basename "$base" .tar)
podman image exists "$image" || podman import "$base" "$image" > "$work/import.log" 2>&1 ||
  fail "podman import of $base failed: $(cat "$work/import.log")"

# The scripted model server, on the host's loopback, which the container
# shares (--network host).
node -e '
  const { startMockModelServer } = require(process.argv[1]);
  startMockModelServer().then((m) => console.log(m.port));
' "$src/tests/e2e/mock_model_server.js" > "$work/mock.port" 2> "$work/mock.log" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/mock.port" ] && break; sleep 0.1; done
mock_port=$(cat "$work/mock.port")
[ -n "$mock_port" ] || fail "the scripted model server did not start: $(cat "$work/mock.log")"

step "starting a Debian 12 container with systemd as init"
podman run -d --name "$box" --systemd=always --network host "$image" /lib/systemd/systemd >/dev/null ||
  fail "podman could not start systemd in a container"
for _ in $(seq 120); do
  state=$(in_box systemctl is-system-running 2>&1) || true
  case "$state" in running|degraded) break ;; esac
  sleep 0.5
done
case "$state" in running|degraded) ;; *) fail "systemd in the container is '$state' after a minute" ;; esac

podman cp "$deb" "$box:/tmp/codex-proxy.deb"
podman cp "$codex" "$box:/usr/local/bin/codex"
# Settings in place before the install, as an administrator's configuration
# management would put them: a free port (the host's loopback is shared),
# the native Codex CLI, and a Codex home pointed at the scripted model.
in_box sh -c 'printf "PORT=0\nCODEX_BIN=/usr/local/bin/codex\nCODEX_HOME=/var/lib/codex-proxy/login\n" > /etc/default/codex-proxy'

# Type=notify needs a daemon that sends READY=1 (it names $NOTIFY_SOCKET);
# one built before that support waits out TimeoutStartSec and fails, so it is
# run as Type=exec, and this says so.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/codex-proxyd > "$work/codex-proxyd"
if ! grep -q NOTIFY_SOCKET "$work/codex-proxyd"; then
  step "NOTE: this codex-proxyd does not send READY=1 yet: testing the unit as Type=exec"
  in_box sh -c 'mkdir -p /etc/systemd/system/codex-proxy.service.d &&
    printf "[Service]\nType=exec\n" > /etc/systemd/system/codex-proxy.service.d/type-exec.conf'
fi

step "installing $version: the install starts the service"
in_box timeout 300 dpkg -i --force-confold /tmp/codex-proxy.deb > "$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
in_box systemctl is-active --quiet codex-proxy || { journal >&2; fail "the install did not start codex-proxy.service"; }

# A Codex login (an API-key login) for the scripted model, added after the
# start: the proxy picks it up without a restart.
in_box sh -c "cat > /var/lib/codex-proxy/login/config.toml <<EOF
model_provider = \"mock\"
[model_providers.mock]
name = \"mock\"
base_url = \"http://127.0.0.1:$mock_port/v1\"
wire_api = \"responses\"
request_max_retries = 0
stream_max_retries = 0
EOF
echo '{\"OPENAI_API_KEY\":\"sk-not-used-by-the-mock\"}' > /var/lib/codex-proxy/login/auth.json
chown -R codex-proxy:codex-proxy /var/lib/codex-proxy/login"

port=$(journal | sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' | tail -n 1)
[ -n "$port" ] || { journal >&2; fail "the service logged no listening port"; }
key=$(in_box grep -v '^#' /etc/codex-proxy/api-keys)

step "a chat completion through the hardened service"
status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/models")
[ "$status" = 401 ] || fail "without the generated key /v1/models answered $status, not 401"
answer=$(curl -s -m 120 "http://127.0.0.1:$port/v1/chat/completions" -H "authorization: Bearer $key" \
  -H 'content-type: application/json' -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Say hi"}]}') ||
  { journal >&2; fail "the chat completion failed"; }
grep -q '"content":"Hello from the mock."' <<<"$answer" || { journal >&2; fail "unexpected answer: $answer"; }

# What the service runs with, seen from /proc.
pid=$(in_box systemctl show -P MainPID codex-proxy)
status_of() { in_box sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"; }
uid=$(in_box id -u codex-proxy)
[ "$(status_of Uid | awk '{print $1}')" = "$uid" ] || fail "the supervisor does not run as codex-proxy"
[ "$(status_of NoNewPrivs)" = 1 ] || fail "the supervisor can gain privileges (NoNewPrivs is not 1)"
[ "$(status_of CapBnd)" = 0000000000000000 ] || fail "the supervisor's capability bounding set is not empty"
[ "$(status_of Seccomp)" = 2 ] || fail "the supervisor has no system-call filter"
journal | grep -q 'no Landlock' && fail "Landlock is unavailable inside the unit"

step "stopping"
in_box timeout 60 systemctl stop codex-proxy
! in_box systemctl is-active --quiet codex-proxy || fail "codex-proxy.service did not stop"
journal | grep -q 'msg=stopped' || { journal >&2; fail "the proxy did not shut down cleanly"; }
step "ok: installed, started by the install, served a completion through codex under the unit's restrictions, stopped"
