#!/usr/bin/env bash
# The Docker Compose quick start, done as the README says and checked:
#   cp .env.example .env; set the key; compose up -d --build
# on a copy of the tree, with Debian's podman, podman-compose and runc, plus
# a scripted model server on the stack's network (compose.test.yml). A
# chat completion goes through the real Codex CLI in the image with
# CODEX_HOME mounted read-only; then the stack is taken down and nothing of
# it may be left running.
#
# No image registry is reachable here, so the base image is a debootstrap'd
# Debian 12 imported into podman. It, podman's storage and the build cache
# live in $CODEX_PROXY_TEST_CACHE so that reruns are fast.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CODEX_PROXY_TEST_CACHE:-/var/cache/codex-proxy-tests}
project=codex-proxy-test
base=localhost/codex-proxy-test-base:bookworm

fail() { echo "compose test: $*" >&2; exit 1; }
for tool in podman podman-compose runc debootstrap curl npm; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
[ "$(id -u)" -eq 0 ] || fail "needs root: it runs rootful podman (CI runs as root; try sudo)"

# podman's settings for this test only, never the machine's: runc with
# cgroupfs (no systemd here), limits runc can set, netavark for the
# stack's DNS (codex reaches the model as `model`), storage in the cache.
mkdir -p "$cache/storage" /run/codex-proxy-tests
cat > "$cache/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
CONF
cat > "$cache/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$cache/storage"
runroot = "/run/codex-proxy-tests/containers"
CONF
export CONTAINERS_CONF="$cache/containers.conf" CONTAINERS_STORAGE_CONF="$cache/storage.conf"

if ! podman image exists "$base"; then
  if [ ! -s "$cache/bookworm-minbase.tar" ]; then
    rm -rf "$cache/rootfs"
    debootstrap --variant=minbase bookworm "$cache/rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
      || fail "debootstrap failed; see $cache/debootstrap.log"
    tar -C "$cache/rootfs" -cf "$cache/bookworm-minbase.tar.tmp" . && mv "$cache/bookworm-minbase.tar.tmp" "$cache/bookworm-minbase.tar"
    rm -rf "$cache/rootfs"
  fi
  podman import "$cache/bookworm-minbase.tar" "$base" >/dev/null
fi
export BASE_IMAGE="$base"

# The tree as a user has it, without build output or installed packages.
stack=$(mktemp -d /tmp/codex-proxy-compose.XXXXXX)
tar -C "$root" --exclude=./.git --exclude='./build*' --exclude=node_modules --exclude=./.codex-cli \
    --exclude=./.env --exclude=./codex-home -cf - . | tar -C "$stack" -xf -
cd "$stack"
# The Codex CLI package, fetched by the host's npm (which knows this
# machine's registry and CA settings) and cached; the image checks its
# integrity against the pinned one either way.
codex_pkg=openai-codex-0.169.0-linux-x64.tgz
if [ ! -s "$cache/$codex_pkg" ]; then
  npm pack --silent @openai/codex@0.169.0-linux-x64 --pack-destination "$cache" >/dev/null \
    || fail "npm pack of the Codex CLI failed"
fi
cp "$cache/$codex_pkg" packaging/
compose() { podman-compose -p "$project" -f docker-compose.example.yml -f tests/docker/compose.test.yml "$@"; }
cleanup() {
  compose down -v >/dev/null 2>&1 || true
  podman network rm -f codex-proxy-ai >/dev/null 2>&1 || true
  cd / && rm -rf "$stack"
}
trap cleanup EXIT

# The quick start.
cp .env.example .env
key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$((20000 + RANDOM % 20000))
sed -i "s/^CODEX_PROXY_API_KEY=.*/CODEX_PROXY_API_KEY=$key/; s/^CODEX_PROXY_PORT=.*/CODEX_PROXY_PORT=$port/" .env
# A Codex home that only points codex at the scripted model; readable, not
# writable, by the image's user, and mounted read-only.
mkdir codex-home
cat > codex-home/config.toml <<TOML
model_provider = "mock"
[model_providers.mock]
name = "mock"
base_url = "http://model:8080/v1"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
TOML
chmod 0755 codex-home && chmod 0644 codex-home/config.toml

# podman-compose 1.0.3 carries on after a failed build: check the images.
compose up -d --build >"$cache/compose-up.log" 2>&1 || { tail -50 "$cache/compose-up.log" >&2; fail "compose up failed"; }
for image in codex-proxy:local codex-proxy-test-model:local; do
  podman image exists "$image" || { grep -B5 -A5 -m3 -i error "$cache/compose-up.log" >&2; fail "$image was not built"; }
done

url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz" || true)" = 200 ] && break
  sleep 1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz" || true)" = 200 ] \
  || { compose logs codex-proxy 2>&1 | tail -40 >&2; fail "/healthz never answered 200"; }

container=$(podman ps -q --filter "label=io.podman.compose.project=$project" --filter "label=com.docker.compose.service=codex-proxy")
[ -n "$container" ] || fail "no codex-proxy container"
[ "$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$container")" = true ] || fail "root filesystem is writable"
[ "$(podman inspect -f '{{.Config.User}}' "$container")" = codex-proxy:codex-proxy ] || fail "not running as codex-proxy"
podman inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}}{{"\n"}}{{end}}' "$container" | grep -qx '/codex-home false' \
  || fail "CODEX_HOME is not mounted read-only"
podman healthcheck run "$container" >/dev/null || fail "the image's healthcheck fails"

code=$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/models")
[ "$code" = 401 ] || fail "/v1/models without the key answered $code, not 401"
answer=$(curl -s -w '\n%{http_code}' "$url/v1/chat/completions" -H "authorization: Bearer $key" \
  -H 'content-type: application/json' -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Say hi"}]}')
status=${answer##*$'\n'}
[ "$status" = 200 ] || { compose logs codex-proxy 2>&1 | tail -40 >&2; fail "chat completion answered $status: ${answer%$'\n'*}"; }
grep -q '"content":"Hello from the compose stack."' <<<"$answer" || fail "unexpected answer: $answer"

compose down -v >"$cache/compose-down.log" 2>&1 || fail "compose down failed"
left=$(podman ps -a -q --filter "label=io.podman.compose.project=$project")
[ -z "$left" ] || fail "containers left after down: $left"
! podman volume exists "${project}_codex-proxy-state" || fail "state volume left after down -v"
# podman-compose 1.0.3's down leaves networks (docker compose removes them).
podman network rm -f codex-proxy-ai >/dev/null 2>&1 || true
# Keep the cache bounded: drop build layers no run has made for 3 days.
podman image prune -f --filter until=72h >/dev/null 2>&1 || true
echo "compose test: built, served a chat completion through codex with a read-only CODEX_HOME, and came down clean"
