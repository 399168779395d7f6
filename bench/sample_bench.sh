#!/usr/bin/env bash
# Decoding speed per weight format beside the memory-bandwidth ceiling, and beside
# llama.cpp (npm node-llama-cpp 3.21.1, prebuilt CPU binary) on the same GGUF files, in one
# script. Greedy decoding of N tokens after the same prompt.
#   bench/sample_bench.sh CHECKPOINT [N_TOKENS] [THREADS] [ROUNDS]
# CHECKPOINT: a checkpoint or training directory with tokenizer.model (e.g. out/train
# after `primer train examples/train.toml`); defaults: 200 tokens, all cores, 5 rounds.
# BASELINE=path/to/primer adds that build's float32 sample (e.g. main's) to every round.
#
# For each format (f32, f16, bf16, q8_0): the GGUF export, its weight bytes per token
# (every matrix once, as `primer sample --json` reports), the bandwidth of reading that
# many bytes on the same threads (build/bench/bandwidth_bench) and so the ceiling
# bandwidth / bytes per token, primer's tokens/s (median of ROUNDS alternating rounds:
# every format once per round) and llama.cpp's single stream on the same file and threads.
# Then 8 concurrent streams through `primer serve` beside llama.cpp's batched sequences
# (float32).
set -euo pipefail
cd "$(dirname "$0")/.."
ck=${1:?usage: bench/sample_bench.sh CHECKPOINT [N_TOKENS] [THREADS] [ROUNDS]}
n=${2:-200}
threads=${3:-$(nproc)}
rounds=${4:-5}
primer=build/primer
bandwidth=build/bench/bandwidth_bench
[ -x "$bandwidth" ] || { echo "sample_bench: build $bandwidth first (cmake --build build --target bandwidth_bench)" >&2; exit 2; }
version=3.21.1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/primer/node-llama-cpp-$version
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
if [ ! -d "$cache/node_modules/node-llama-cpp" ]; then
  echo "sample_bench: installing node-llama-cpp@$version into $cache" >&2
  npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts --silent "node-llama-cpp@$version" >&2
fi
cp bench/sample_llama_cpp.mjs "$cache/"
pin="taskset -c 0-$((threads - 1))"
prompt="Once upon a time, there was a little"
echo "cores: $(nproc), threads: $threads (primer and llama.cpp alike), $n tokens greedy, $rounds rounds" \
     "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); other work may share the cores)"

formats=()
for f in f32 f16 bf16 q8_0; do
  if "$primer" export "$ck" --format gguf --dtype "$f" --out "$work/$f.gguf" >/dev/null 2>"$work/err"; then
    formats+=("$f")
  else
    echo "  $f: not exported ($(cat "$work/err"))"
  fi
done

sample() {  # FILE [BINARY] → the JSON line of primer sample
  $pin "${2:-$primer}" sample "$1" --prompt "$prompt" --temperature 0 --max-tokens "$n" --json
}
for r in $(seq "$rounds"); do
  for f in "${formats[@]}"; do sample "$work/$f.gguf" >> "$work/primer-$f.jsonl"; done
  if [ -n "${BASELINE:-}" ]; then sample "$work/f32.gguf" "$BASELINE" >> "$work/baseline.jsonl"; fi
done
tokens=$(head -1 "$work/primer-f32.jsonl" | jq -c .prompt_tokens)
generated=$(head -1 "$work/primer-f32.jsonl" | jq '.tokens | length')

rows=()
for f in "${formats[@]}"; do
  bytes=$(head -1 "$work/primer-$f.jsonl" | jq .weight_bytes_per_token)
  bw=$($pin "$bandwidth" "$bytes" "$threads" | jq .gb_per_s)
  lc=$(cd "$cache" && $pin node sample_llama_cpp.mjs "$work/$f.gguf" "$tokens" "$generated" "$threads" 0 | tail -1)
  rows+=("$(jq -c -n --arg f "$f" --argjson bytes "$bytes" --argjson bw "$bw" --argjson lc "$lc" \
            --slurpfile runs "$work/primer-$f.jsonl" \
            '{format: $f, bytes: $bytes, gb_per_s: $bw, llama_cpp: $lc.single_tokens_per_s,
              kernels: $runs[0].kernels, tps: [$runs[].tokens_per_s]}')")
done
baseline=null
if [ -n "${BASELINE:-}" ]; then baseline=$(jq -s -c '[.[].tokens_per_s]' "$work/baseline.jsonl"); fi

/usr/bin/python3 - "$generated" "$baseline" "${rows[@]}" <<'PY'
import json, statistics, sys
generated, baseline = sys.argv[1], json.loads(sys.argv[2])
rows = [json.loads(r) for r in sys.argv[3:]]
f32 = statistics.median(next(r for r in rows if r["format"] == "f32")["tps"])
print(f"single stream, {generated} tokens; ceiling = read bandwidth of the weights' bytes / bytes per token")
print(f"  {'format':<6} {'MB/token':>9} {'GB/s':>7} {'ceiling':>9} {'primer':>9} {'of ceiling':>10} {'vs f32':>7}"
      f" {'llama.cpp':>10} {'primer/llama.cpp':>17}  kernels")
for r in rows:
    tps = statistics.median(r["tps"])
    ceiling = r["gb_per_s"] * 1e9 / r["bytes"]
    print(f"  {r['format']:<6} {r['bytes'] / 1e6:9.2f} {r['gb_per_s']:7.1f} {ceiling:9.0f} {tps:9.1f} "
          f"{tps / ceiling:10.0%} {tps / f32:6.2f}x {r['llama_cpp']:10.1f} {tps / r['llama_cpp']:16.2f}x  {r['kernels']}"
          f"   (rounds: {', '.join(f'{x:.0f}' for x in r['tps'])})")
if baseline:
    b = statistics.median(baseline)
    print(f"  BASELINE float32: {b:.1f} tok/s (rounds: {', '.join(f'{x:.0f}' for x in baseline)}); "
          + ", ".join(f"{r['format']} {statistics.median(r['tps']) / b:.2f}x" for r in rows))
PY

# 8 concurrent streams through serve (float32), beside llama.cpp's batched sequences
port=$((20000 + RANDOM % 20000))
$pin "$primer" serve "$work/f32.gguf" --port "$port" --threads 8 --model-name m >/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
start=$(date +%s.%N)
for s in $(seq 8); do
  curl -sf "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "{\"prompt\": \"$prompt\", \"max_tokens\": $n, \"temperature\": 0.8, \"seed\": $s}" > "$work/r$s.json" &
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
end=$(date +%s.%N)
total=0
for s in $(seq 8); do total=$((total + $(jq .usage.completion_tokens "$work/r$s.json"))); done
serve_tps=$(echo "$total $start $end" | awk '{printf "%.1f", $1 / ($3 - $2)}')
kill $server; wait $server 2>/dev/null || true; server=
multi=$(cd "$cache" && $pin node sample_llama_cpp.mjs "$work/f32.gguf" "$tokens" "$generated" "$threads" 8 | tail -1)
echo "8 concurrent streams (f32)   primer serve $serve_tps tok/s   llama.cpp $(echo "$multi" | jq .aggregate_tokens_per_s) tok/s" \
     "($threads thread(s), batched sequences)"
