#!/usr/bin/env bash
# Decoding speed: primer (sample, and 8 concurrent streams through serve) beside
# llama.cpp (npm node-llama-cpp 3.21.1, prebuilt CPU binary) on the same GGUF export, in
# one script. Greedy decoding of N tokens after the same prompt tokens.
#   bench/sample_bench.sh CHECKPOINT [N_TOKENS] [THREADS]
# CHECKPOINT: a checkpoint or training directory with tokenizer.model (e.g. out/train
# after `primer train examples/train.toml`); defaults: 200 tokens, all cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ck=${1:?usage: bench/sample_bench.sh CHECKPOINT [N_TOKENS] [THREADS]}
n=${2:-200}
threads=${3:-$(nproc)}
primer=build/primer
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

"$primer" export "$ck" --format gguf --out "$work/model.gguf" >/dev/null
prompt="Once upon a time, there was a little"
echo "cores: $(nproc), threads: $threads, $n tokens greedy ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"

# primer: single stream, from the GGUF (the same weights llama.cpp reads)
best=0
for i in 1 2 3; do
  out=$(taskset -c 0-$((threads - 1)) "$primer" sample "$work/model.gguf" --prompt "$prompt" --temperature 0 \
        --max-tokens "$n" --json)
  tps=$(echo "$out" | jq .tokens_per_s)
  best=$(echo "$best $tps" | awk '{print ($2 > $1) ? $2 : $1}')
done
tokens=$(echo "$out" | jq -c .prompt_tokens)
generated=$(echo "$out" | jq '.tokens | length')

# primer: 8 concurrent streams through serve
port=$((20000 + RANDOM % 20000))
taskset -c 0-$((threads - 1)) "$primer" serve "$work/model.gguf" --port "$port" --threads 8 --model-name m >/dev/null &
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

# llama.cpp on 1 thread and on all threads: the better one is the baseline
lc1=$(cd "$cache" && taskset -c 0-$((threads - 1)) node sample_llama_cpp.mjs "$work/model.gguf" "$tokens" "$generated" 1 8)
lcn=$(cd "$cache" && taskset -c 0-$((threads - 1)) node sample_llama_cpp.mjs "$work/model.gguf" "$tokens" "$generated" "$threads" 8)
/usr/bin/python3 - "$best" "$serve_tps" "$lc1" "$lcn" "$generated" <<'PY'
import json, sys
best, serve = float(sys.argv[1]), float(sys.argv[2])
lc = [json.loads(sys.argv[3]), json.loads(sys.argv[4])]
single = max(lc, key=lambda r: r["single_tokens_per_s"])
multi = max(lc, key=lambda r: r["aggregate_tokens_per_s"])
print(f"single stream ({sys.argv[5]} tokens)   primer {best:8.1f} tok/s   llama.cpp {single['single_tokens_per_s']:8.1f} tok/s "
      f"({single['threads']} thread(s))   ratio {best / single['single_tokens_per_s']:.2f}x (target >= 1.0x)")
print(f"8 concurrent streams          primer serve {serve:8.1f} tok/s   llama.cpp {multi['aggregate_tokens_per_s']:8.1f} tok/s "
      f"({multi['threads']} thread(s), batched sequences)   ratio {serve / multi['aggregate_tokens_per_s']:.2f}x")
PY
