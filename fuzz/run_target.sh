#!/bin/sh
# The fuzz.<target> CTest test: run_target.sh BINARY TARGET SECONDS
#  1. replays every saved reproducer in fuzz/regressions/TARGET (a crash
#     found once is a test forever);
#  2. fuzzes a scratch copy of fuzz/corpus/TARGET for SECONDS seconds.
# A crash, leak, timeout (10 s for one input) or RSS over 2 GiB fails the
# test; the input that did it is saved under ./artifacts/TARGET/ in the
# build's fuzz folder, ready to be moved into fuzz/regressions/TARGET/.
set -eu
bin=$1 name=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$PWD/artifacts/$name
mkdir -p "$artifacts"
# The HTTP target logs a line per request, as the proxy does: libFuzzer
# keeps its own report and the sanitizers' on a private copy of stderr.
quiet=""
[ "$name" = http_request ] && quiet="-close_fd_mask=2"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"  # the targets' own files (a socket, a response store) go here too

regressions=$here/regressions/$name
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "fuzz.$name: replaying $(ls "$regressions" | wc -l) regression(s)"
  # shellcheck disable=SC2086
  "$bin" $quiet -timeout=10 -rss_limit_mb=2048 "$regressions"/*
fi

cp -r "$here/corpus/$name" "$work/corpus"
echo "fuzz.$name: fuzzing for ${seconds}s"
# shellcheck disable=SC2086
"$bin" $quiet -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$work/corpus"
