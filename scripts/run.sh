#!/usr/bin/env bash
# Installs what is missing, builds, and runs codex-proxyd in the foreground
# on 127.0.0.1:4017 (settings: the environment, see README.md).
#
# As root, the proxy drops to CODEX_PROXY_USER (default codex-proxy), which
# must be able to run the executor and codex: so the user is created if
# missing, and the build and the Codex CLI are installed under /usr/local
# (a checkout in /root is out of that user's reach). As anyone else, it all
# runs from this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

CODEX_VERSION=0.169.0
# CODEX_BIN may be npm's launcher (node_modules/.bin/codex): codex-proxyd
# runs the platform binary it would start instead (msg=codex_bin native=true).
install_codex_cli() {  # the pinned Codex CLI, when none is on PATH
  local prefix=$1
  if [ -z "${CODEX_BIN:-}" ] && ! command -v codex >/dev/null 2>&1; then
    if [ ! -x "$prefix/node_modules/.bin/codex" ]; then
      npm install --prefix "$prefix" --no-audit --no-fund "@openai/codex@${CODEX_VERSION}" >&2
    fi
    export CODEX_BIN="$prefix/node_modules/.bin/codex"
  fi
}

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >&2
cmake --build build -j"$(nproc)" >&2

if [ "$(id -u)" -eq 0 ]; then
  user="${CODEX_PROXY_USER:-codex-proxy}"
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/codex-proxy --no-create-home \
      --shell /usr/sbin/nologin "$user"
  fi
  install_codex_cli /usr/local/lib/codex-proxy/codex-cli
  cmake --install build --prefix /usr/local >&2
  exec /usr/local/bin/codex-proxyd
fi

install_codex_cli "$PWD/.codex-cli"
exec build/bin/codex-proxyd
