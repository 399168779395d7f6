#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan, in build-fuzz/) and runs
# each over its seed corpus (tests/fuzz/<target>/), then on new inputs until it has run N
# seconds. Fails loudly on any crash, sanitizer report, leak, timeout or out-of-memory, and
# prints how long each target ran.
#
#   scripts/fuzz.sh [--seconds N] [--runs R] [--seed S] [--jobs J] [TARGET...]
#
# Defaults: 10 s per target, no run limit, seed 1, 2 targets at a time, all targets. With
# --runs each target stops after R inputs (or N seconds, whichever comes first); with a fixed
# seed and an empty build-fuzz/corpus/ such a run is the same every time, which is what the
# test suite uses so that CI never fails by chance. Longer runs are for finding new bugs.
#
# A finding's input is kept in build-fuzz/findings/<target>/ (crash-*, leak-*, timeout-*,
# oom-*); replay it with build-fuzz/fuzz/fuzz_<target> FILE. Inputs that reached new code
# are kept in build-fuzz/corpus/<target>/ between runs; after fixing a finding, add its
# input to tests/fuzz/<target>/ as a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
runs=-1
seed=1
jobs=2
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for d in tests/fuzz/*/; do
    t=$(basename "$d")
    [ -f "tests/fuzz/$t.cc" ] || [ "$t" = shard ] && targets+=("$t")
  done
fi

dir=build-fuzz
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
build_start=$(date +%s)
# -O1 with line tables: fast to compile, fast enough to fuzz, readable stack traces.
CC=clang CXX=clang++ cmake -S . -B "$dir" -DPRIMER_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" "${launcher[@]}" >/dev/null
cmake --build "$dir" -j"$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
echo "fuzz: built ${#targets[@]} targets in $(( $(date +%s) - build_start )) s"

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_one() {
  local t="$1" corpus="$dir/corpus/$1" findings="$dir/findings/$1/" log="$dir/logs/$1.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  local start=$SECONDS rc=0
  "$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -runs="$runs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings" "$corpus" "tests/fuzz/$t" >"$log" 2>&1 || rc=$?
  local executed
  executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  if [ "$rc" -ne 0 ]; then
    printf 'fuzz: %-20s FAILED after %3d s (exit %d); input in %s, log %s\n' "$t" $((SECONDS - start)) "$rc" \
      "$findings" "$log"
    grep -m1 -E 'ERROR: |runtime error|fuzz property violated|uncaught exception|terminate called' "$log" || tail -5 "$log"
    return 1
  fi
  printf 'fuzz: %-20s ok  %3d s, %s inputs, corpus %s files\n' "$t" $((SECONDS - start)) "$executed" \
    "$(find "$corpus" "tests/fuzz/$t" -type f | wc -l)"
}
export -f run_one
export dir seconds runs seed
failed=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}' || failed=1
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (see above); fix the crash, then add its input to tests/fuzz/<target>/" >&2
  exit 1
fi
limit="$seconds s"
[ "$runs" -ge 0 ] && limit="$runs inputs or $seconds s"
echo "fuzz: all ${#targets[@]} targets ran $limit each (seed $seed) without a finding"
