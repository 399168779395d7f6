#!/usr/bin/env bash
# Builds primer and runs the whole test suite; fails loudly on any failure.
#   scripts/test.sh              Release build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
# The default run then fuzzes every parser briefly (scripts/fuzz.sh, clang build in
# build-fuzz/, a few minutes on 2 cores); PRIMER_SKIP_FUZZ=1 skips that step.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
dir=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIMER_SANITIZE=ON -DPRIMER_BUILD_BENCH=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j2
ctest --test-dir "$dir" --output-on-failure --timeout 900
if [ -z "${1:-}" ] && [ "${PRIMER_SKIP_FUZZ:-0}" != 1 ]; then
  ./scripts/fuzz.sh --seconds 5
fi
