#!/usr/bin/env bash
# Installs what building and testing codex-proxy needs on Debian 12, and
# nothing when it is all there already.
set -euo pipefail

packages=(build-essential cmake pkg-config libuv1-dev libhttp-parser-dev libcjson-dev libsodium-dev
          libcmocka-dev libtomlplusplus-dev strace prometheus wrk  # promtool checks GET /metrics; wrk drives bench/
          # the Docker Compose test: podman with runc, a debootstrap'd base image
          podman podman-compose runc netavark aardvark-dns debootstrap curl)
packages+=(clang clang-format libclang-rt-14-dev python3)  # the clang build, the style check, the fuzz targets' libFuzzer; e2e tests' notify socket (node has no AF_UNIX datagrams)
# The packaging tests: the unit's checks, and the Debian package built,
# linted and installed into a debootstrapped root, and run by systemd in a
# podman container.
packages+=(systemd man-db dpkg-dev debhelper lintian)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
