#!/usr/bin/env bash
# codex-proxyd(8) formats without a warning and names every variable of
# README's configuration table.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
page=$root/packaging/codex-proxyd.8

fail() { echo "man_page: FAIL: $*" >&2; exit 1; }

command -v man >/dev/null || fail "man is missing: install man-db (scripts/install-deps.sh does)"
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) ||
  fail "man cannot format $page: $warnings"
[ -z "$warnings" ] || fail "groff warns about $page: $warnings"

# The man page escapes hyphens (\-); compare with them unescaped.
text=$(sed 's/\\-/-/g' "$page")
variables=$(sed -n '/^## Configuration/,/^## /p' "$root/README.md" | sed -n 's/^| `\([A-Z_]*\)` |.*/\1/p')
[ -n "$variables" ] || fail "found no variables in README's configuration table"
missing=()
for v in $variables; do
  grep -qw -- "$v" <<<"$text" || missing+=("$v")
done
[ ${#missing[@]} -eq 0 ] || fail "codex-proxyd(8) does not mention: ${missing[*]}"
grep -q '^\.B doctor' "$page" || fail "codex-proxyd(8) does not describe doctor"
echo "man_page: $(wc -w <<<"$variables") variables documented, no groff warning"
