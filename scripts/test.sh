#!/usr/bin/env bash
# Builds primer and runs the whole test suite; fails loudly on any failure.
#   scripts/test.sh              Release build in build/, then the two steps below
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build of everything in build-asan/
# The default run then
#   - fuzzes every parser briefly (scripts/fuzz.sh, clang build in build-fuzz/, a few
#     minutes on 2 cores): the committed seeds, then a fixed number of new inputs from a
#     fixed seed, so the step gives the same answer on every run. Hunting for new bugs is a
#     separate, longer run (scripts/fuzz.sh --seconds 600). PRIMER_SKIP_FUZZ=1 skips it;
#   - builds the unit suites (tests/<folder>/, one executable each, and the primer binary
#     their command-line cases run) with AddressSanitizer + UBSan in build-asan/ and runs
#     them there. PRIMER_SKIP_SANITIZE=1 skips it.
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
  rm -rf build-fuzz/corpus
  ./scripts/fuzz.sh --seconds 20 --runs 4000 --seed 1
fi
if [ -z "${1:-}" ] && [ "${PRIMER_SKIP_SANITIZE:-0}" != 1 ]; then
  suites=(base vocab prompts generators filters storage model pipeline)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIMER_SANITIZE=ON -DPRIMER_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j2 --target "${suites[@]/#/test_}"
  regex="^($(IFS='|'; echo "${suites[*]}"))\$"
  ctest --test-dir build-asan --output-on-failure --timeout 900 -R "$regex"
  [ "$(ctest --test-dir build-asan -N -R "$regex" | grep -c 'Test *#')" -eq "${#suites[@]}" ] ||
    { echo "test.sh: the sanitizer step did not find all ${#suites[@]} unit suites" >&2; exit 1; }
fi
