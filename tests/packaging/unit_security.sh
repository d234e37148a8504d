#!/usr/bin/env bash
# The systemd unit is hardened (exposure at most 1.5 in systemd-analyze
# security --offline=true) and passes systemd-analyze verify without a word.
# CODEX_PROXYD is the built daemon: verify wants ExecStart's file to exist.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
unit=${UNIT:-$root/packaging/codex-proxy.service}
max_exposure=1.5

fail() { echo "unit_security: FAIL: $*" >&2; exit 1; }

command -v systemd-analyze >/dev/null ||
  fail "systemd-analyze is missing: install the package systemd (scripts/install-deps.sh does)"
command -v man >/dev/null || fail "man is missing: install man-db (scripts/install-deps.sh does)"
[ -x "${CODEX_PROXYD:-}" ] || fail "CODEX_PROXYD must name the built codex-proxyd (ctest sets it)"

report=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) ||
  fail "systemd-analyze security failed: $report"
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$score" ] || fail "no exposure level in systemd-analyze's report: $report"
if ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
  grep '✗' <<<"$report" >&2 || true
  fail "exposure $score is above $max_exposure (what is still exposed is listed above)"
fi
echo "unit_security: exposure $score (at most $max_exposure)"

# verify checks that ExecStart= is executable and that the Documentation=
# man page exists: point both at this tree's build.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man/man8"
cp "$root/packaging/codex-proxyd.8" "$tmp/man/man8/"
grep -q '^ExecStart=/usr/bin/codex-proxyd$' "$unit" || fail "ExecStart= is not /usr/bin/codex-proxyd"
sed "s|^ExecStart=/usr/bin/codex-proxyd$|ExecStart=$CODEX_PROXYD|" "$unit" > "$tmp/codex-proxy.service"
out=$(cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify "$tmp/codex-proxy.service" 2>&1) ||
  fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not clean: $out"
echo "unit_security: systemd-analyze verify is clean"
