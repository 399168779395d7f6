#!/usr/bin/env bash
# Checks that every C++ file of the repository is formatted as .clang-format says (the
# Debian 12 clang-format, 14). Tables laid out by hand sit between "// clang-format off"
# and "// clang-format on". Prints the files that differ and exits 1; fix them with
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (scripts/install-deps.sh)" >&2; exit 1; }
bad=0
while IFS= read -r f; do
  if ! clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "check_format: $f is not formatted (clang-format -i $f)"
    bad=1
  fi
done < <(git ls-files '*.cc' '*.h' 2>/dev/null || find . -path ./build\* -prune -o \( -name '*.cc' -o -name '*.h' \) -print)
exit $bad
