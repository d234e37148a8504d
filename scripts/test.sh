#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit and
# end-to-end on a Release build (GCC, -O3), again under AddressSanitizer
# and UndefinedBehaviorSanitizer, and a build with Debian's clang. Every
# build here treats warnings as errors (CODEX_PROXY_WERROR), so none can
# come back; a user's or a package's build does not.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# The e2e tests' pinned packages: the Codex CLI and the openai SDK.
if ! (cd tests/e2e && npm ls --depth=0 >/dev/null 2>&1); then
  (cd tests/e2e && npm ci --no-audit --no-fund)
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON -DCODEX_PROXY_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON -DCODEX_PROXY_SANITIZE=ON \
  -DCODEX_PROXY_WERROR=ON
cmake --build build-sanitize -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize --output-on-failure

# Built, not run: the suites above already ran the same code twice.
cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON -DCODEX_PROXY_WERROR=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
cmake --build build-clang -j"$jobs"

# The fuzz targets (fuzz/): clang with libFuzzer, ASan and UBSan. Each
# fuzz.* test replays its saved crashes, then fuzzes for a bounded time.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
  -DCODEX_PROXY_FUZZ=ON -DCODEX_PROXY_WERROR=ON
cmake --build build-fuzz -j"$jobs"
ctest --test-dir build-fuzz --output-on-failure
