#!/usr/bin/env bash
# Installs what is missing, builds, and runs codex-proxyd in the foreground
# on 127.0.0.1:4017 (settings: the environment, see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# The pinned Codex CLI goes into the tree when none is on PATH.
CODEX_VERSION=0.169.0
if [ -z "${CODEX_BIN:-}" ] && ! command -v codex >/dev/null 2>&1; then
  if [ ! -x .codex-cli/node_modules/.bin/codex ]; then
    npm install --prefix .codex-cli --no-audit --no-fund "@openai/codex@${CODEX_VERSION}" >&2
  fi
  export CODEX_BIN="$PWD/.codex-cli/node_modules/.bin/codex"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >&2
cmake --build build -j"$(nproc)" >&2
exec build/bin/codex-proxyd
