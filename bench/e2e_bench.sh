#!/usr/bin/env bash
# The user's commands, timed whole (start-up, reading, filters, zstd shards with sha256,
# fsyncs, manifest), not their stages:
#   - `primer filter` over a generated JSON Lines corpus (~219 MB: 145,000 records of the
#     built-in teacher, metadata included) with the MinHash 14x8 filter alone, and with a
#     `length` filter alone; MB/s = corpus bytes / wall time;
#   - `primer run` of examples/tinystories.toml (built-in teacher, 9 filters, tokenizer);
#   - `primer run` storing every reply (no filters) against a local nginx that returns a
#     fixed chat.completion, beside a bare libcurl-multi loop (bench/http_bench.sh
#     --store-all, which installs nginx if missing; skip with --skip-http).
# Each command runs in alternating rounds and the table shows medians: wall time, cores
# used ((user + sys) / wall) and peak memory (max RSS). With --flat-memory, the length
# filter also reads the corpus 10 times over (~2.2 GB) once, for its peak memory.
#
#   bench/e2e_bench.sh [--primer PATH] [--rounds 3] [--records 145000] [--threads N]
#                      [--http-count 200000] [--concurrency 512] [--flat-memory]
#                      [--skip-filter] [--skip-tinystories] [--skip-http]
#
# The corpus is made once per --records into $PRIMER_BENCH_DIR (default
# ~/.cache/primer/e2e-bench) and reused. Needs /usr/bin/time and zstd.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRIMER=""
ROUNDS=3
RECORDS=145000
THREADS=0
HTTP_COUNT=200000
CONC=512
FLAT=0
RUN_FILTER=1 RUN_TINY=1 RUN_HTTP=1

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --primer) PRIMER="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --records) RECORDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --http-count) HTTP_COUNT="$2"; shift 2 ;;
    --concurrency) CONC="$2"; shift 2 ;;
    --flat-memory) FLAT=1; shift ;;
    --skip-filter) RUN_FILTER=0; shift ;;
    --skip-tinystories) RUN_TINY=0; shift ;;
    --skip-http) RUN_HTTP=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "e2e_bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "e2e_bench: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive whole number, not '$ROUNDS'"
[[ $RECORDS =~ ^[1-9][0-9]*$ ]] || die "--records takes a positive whole number, not '$RECORDS'"
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (apt-get install time)"
command -v zstdcat >/dev/null || die "needs zstd (apt-get install zstd)"
if [[ -z $PRIMER ]]; then
  for b in "$ROOT"/build/primer "$ROOT"/build-*/primer; do
    [[ $b == *asan* || $b == *sanitize* ]] && continue  # a sanitizer build measures the sanitizer
    [[ -x $b ]] && { PRIMER=$b; break; }
  done
  [[ -n $PRIMER ]] || die "no primer binary: build it (cmake --build build --target primer) or pass --primer PATH"
fi
THREAD_ARGS=()
[[ $THREADS -eq 0 ]] || THREAD_ARGS=(--threads "$THREADS")

TMP=$(mktemp -d /tmp/primer-e2e-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# --- the corpus ----------------------------------------------------------------------
DATA="${PRIMER_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/primer/e2e-bench}"
CORPUS="$DATA/corpus-$RECORDS.jsonl"
if [[ $RUN_FILTER -eq 1 && ! -s $CORPUS ]]; then
  echo "e2e_bench: making the corpus ($RECORDS records of the built-in teacher) in $CORPUS" >&2
  mkdir -p "$DATA"
  cat >"$TMP/corpus.toml" <<EOF
seed = 7
count = $RECORDS
filters = []
[prompts]
kind = "tinystories"
template = "$ROOT/prompts/tinystories.txt"
feature_probability = 0.35
[vocab]
list = "$ROOT/vocab/default.txt"
[teacher]
kind = "builtin"
noise = 0.1
[storage]
validation_fraction = 0
EOF
  "$PRIMER" run "$TMP/corpus.toml" --out "$TMP/corpus" --quiet >/dev/null
  zstdcat "$TMP"/corpus/data/train-*.jsonl.zst >"$CORPUS.tmp"
  mv "$CORPUS.tmp" "$CORPUS"
  rm -rf "$TMP/corpus"
fi
CORPUS_BYTES=0
[[ $RUN_FILTER -eq 0 ]] || CORPUS_BYTES=$(stat -L -c %s "$CORPUS")
cat >"$TMP/minhash.toml" <<EOF
[vocab]
list = "$ROOT/vocab/default.txt"
[[filters]]
kind = "minhash"
ngram = 5
bands = 14
rows = 8
EOF
cat >"$TMP/length.toml" <<EOF
[vocab]
list = "$ROOT/vocab/default.txt"
[[filters]]
kind = "length"
min_words = 80
max_words = 1000
EOF

# --- the runs ------------------------------------------------------------------------
# timed NAME CMD...: runs CMD under /usr/bin/time, appends "wall cores rss_mb cpu_s" to
# NAME's file.
timed() {
  local name=$1
  shift
  rm -rf "$TMP/out"
  /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$@" >"$TMP/cmd.out" 2>&1 ||
    { cat "$TMP/cmd.out" >&2; die "$name failed: $*"; }
  local wall user sys rss
  read -r wall user sys rss <"$TMP/time"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN {printf "%.2f %.2f %.0f %.2f\n", w, (u + s) / w, r / 1024, u + s}' \
    >>"$TMP/$name.results"
  echo "e2e_bench:   $name: $(tail -1 "$TMP/$name.results" | awk '{printf "%s s, %s cores, %s MB peak", $1, $2, $3}')" >&2
  rm -rf "$TMP/out"
}
filter_cmd() { echo "$PRIMER" filter "$CORPUS" --config "$TMP/$1.toml" --out "$TMP/out" --quiet "${THREAD_ARGS[@]}"; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "e2e_bench: $PRIMER, $(nproc) cores, $ROUNDS rounds" >&2
for round in $(seq "$ROUNDS"); do
  echo "e2e_bench: round $round of $ROUNDS" >&2
  if [[ $RUN_FILTER -eq 1 ]]; then
    timed filter-minhash $(filter_cmd minhash)
    timed filter-length $(filter_cmd length)
  fi
  if [[ $RUN_TINY -eq 1 ]]; then
    (cd "$ROOT" && timed tinystories "$PRIMER" run examples/tinystories.toml --out "$TMP/out" --quiet "${THREAD_ARGS[@]}")
  fi
done
if [[ $FLAT -eq 1 && $RUN_FILTER -eq 1 ]]; then
  echo "e2e_bench: the length filter over the corpus 10 times (~$((CORPUS_BYTES * 10 / 1000000)) MB), once" >&2
  files=()
  for _ in $(seq 10); do files+=("$CORPUS"); done
  timed filter-length-x10 "$PRIMER" filter "${files[@]}" --config "$TMP/length.toml" --out "$TMP/out" --quiet \
    "${THREAD_ARGS[@]}"
fi

# The row of file $1 ("wall cores rss" per round) with the median wall time.
median_row() { sort -g -k1,1 "$1" | awk '{ rows[NR] = $0 } END { print rows[int((NR + 1) / 2)] }'; }
med="medians of $ROUNDS rounds"
[[ $ROUNDS -gt 1 ]] || med="1 round"
echo
echo "End to end, $(nproc) cores ($med; cores = (user + sys) / wall, peak = max RSS)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (above the core count, others shared the CPU)"
printf '%-44s %10s %8s %6s %8s %7s\n' "command" "speed" "wall s" "cores" "peak MB" "cpu s"
row() {  # name label bytes
  [[ -s $TMP/$1.results ]] || return 0
  local wall cores rss cpu speed
  read -r wall cores rss cpu < <(median_row "$TMP/$1.results")
  speed="-"
  [[ -z $3 ]] || speed=$(awk -v b="$3" -v w="$wall" 'BEGIN {printf "%.0f MB/s", b / 1e6 / w}')
  printf '%-44s %10s %8s %6s %8s %7s\n' "$2" "$speed" "$wall" "$cores" "$rss" "$cpu"
}
MB=$((CORPUS_BYTES / 1000000))
row filter-minhash "primer filter, minhash 14x8 ($MB MB)" "$CORPUS_BYTES"
row filter-length "primer filter, length ($MB MB)" "$CORPUS_BYTES"
row filter-length-x10 "primer filter, length (10 x $MB MB, 1 round)" "$((CORPUS_BYTES * 10))"
row tinystories "primer run examples/tinystories.toml" ""
if [[ $RUN_FILTER -eq 1 ]]; then
  check() { awk -v a="$2" "BEGIN {exit !($1)}" && echo yes || echo NO; }
  mh=$(median_row "$TMP/filter-minhash.results" | awk -v b="$CORPUS_BYTES" '{print b / 1e6 / $1}')
  ln=$(median_row "$TMP/filter-length.results" | awk -v b="$CORPUS_BYTES" '{print b / 1e6 / $1}')
  line="target: minhash >= 100 MB/s: $(check 'a >= 100' "$mh"); length >= 150 MB/s: $(check 'a >= 150' "$ln")"
  if [[ -s $TMP/filter-length-x10.results ]]; then
    r1=$(median_row "$TMP/filter-length.results" | awk '{print $3}')
    r10=$(awk '{print $3}' "$TMP/filter-length-x10.results")
    line+="; peak memory at 10x within 1.5x: $(check "a <= 1.5 * $r1" "$r10")"
  fi
  echo "$line"
fi

# --- primer run storing every reply, beside the bare libcurl loop ---------------------
if [[ $RUN_HTTP -eq 1 ]]; then
  echo
  "$ROOT/bench/http_bench.sh" --primer "$PRIMER" --store-all --skip-wrk --skip-sdk --rounds "$ROUNDS" \
    --count "$HTTP_COUNT" --concurrency "$CONC"
  echo "target of issue 24: primer run storing every reply >= 0.9x the bare libcurl loop, <= 1.5 cores"
fi
