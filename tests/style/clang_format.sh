#!/usr/bin/env bash
# The house style (.clang-format) holds for every C++ file, and no line is
# longer than 120 columns (clang-format cannot break a long string literal).
set -euo pipefail
cd "$(dirname "$0")/../.."
formatter=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$formatter" ]; then
  echo "clang-format is missing: install clang-format (scripts/install-deps.sh does)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find common supervisor executor tests fuzz bench -name '*.cpp' -o -name '*.h')
if [ "${#files[@]}" -eq 0 ]; then
  echo "no C++ files found: run from a checkout" >&2
  exit 1
fi
"$formatter" --dry-run --Werror "${files[@]}"
long=$(awk 'length > 120 { print FILENAME ":" FNR ": " length " columns" }' "${files[@]}")
if [ -n "$long" ]; then
  echo "lines longer than 120 columns:" >&2
  echo "$long" >&2
  exit 1
fi
echo "style: ${#files[@]} files formatted, no line over 120 columns"
