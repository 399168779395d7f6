#!/usr/bin/env bash
# Data-parallel overhead: the default 9,988,800-parameter model (examples/train.toml's
# shape, batch 8 x 256, grad_accum 2) trained by 1 process x T threads and by
# `mpirun -np 2` x T/2 threads, alternating rounds, on random tokens.
#   bench/mpi_train_bench.sh [STEPS] [ROUNDS]   (defaults: 5 steps, 3 rounds; 2 cores assumed)
# A run's figure is the median tokens/s of its steps after the first (metrics.jsonl; a
# step's time includes the gradient exchange); the table gives the median round of each.
# Needs build/primer built with MPI (libopenmpi-dev) and mpirun (openmpi-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-5}
rounds=${2:-3}
primer=$(realpath build/primer)
threads=$(nproc)
half=$((threads / 2 > 0 ? threads / 2 : 1))
command -v mpirun >/dev/null || { echo "mpirun not found: apt-get install openmpi-bin" >&2; exit 1; }
ldd "$primer" | grep libmpi >/dev/null || { echo "$primer was built without MPI (apt-get install libopenmpi-dev; rebuild)" >&2; exit 1; }
work=$(mktemp -d /tmp/primer-mpi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work/data" <<'PY'
import os, struct, random, sys
d = sys.argv[1]
os.makedirs(d + "/tokens")
rng = random.Random(1)
for split, n in (("train", 1 << 20), ("validation", 1 << 14)):
    toks = [rng.randrange(4096) for _ in range(n)]
    with open(f"{d}/tokens/{split}-00000.bin", "wb") as f:
        f.write(struct.pack("<256i", 20240520, 1, n, *([0] * 253)))
        f.write(struct.pack(f"<{n}H", *toks))
PY
cat >"$work/train.toml" <<TOML
[model]
dim = 320
n_layers = 7
n_heads = 8
n_kv_heads = 8
hidden_dim = 864
vocab_size = 4096
seq_len = 256
[train]
data = "$work/data"
batch_size = 8
grad_accum = 2
steps = $steps
eval_every = 0
eval_batches = 1
checkpoint_every = 0
log_every = 0
report = false
TOML
median_tps() {  # median tokens/s of the steps after the first
  jq -s '[.[1:][] | .tokens_per_s] | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end' "$1/metrics.jsonl"
}
echo "cores: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); $steps steps, $rounds rounds; other work on the machine slows both alike"
one=() two=()
for ((r = 1; r <= rounds; ++r)); do
  rm -rf "$work/one" "$work/two"
  "$primer" train "$work/train.toml" --out "$work/one" --threads "$threads" >/dev/null
  OMPI_MCA_btl_vader_single_copy_mechanism=none mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 \
    "$primer" train "$work/train.toml" --out "$work/two" --threads "$half" >/dev/null
  cmp -s "$work/one/checkpoints/step-$(printf %08d "$steps")/model.bin" "$work/two/checkpoints/step-$(printf %08d "$steps")/model.bin" ||
    { echo "the two runs' weights differ" >&2; exit 1; }
  a=$(median_tps "$work/one") b=$(median_tps "$work/two")
  one+=("$a") two+=("$b")
  printf 'round %d: 1 process x %d threads %6.0f tokens/s, 2 ranks x %d thread(s) %6.0f tokens/s, ratio %.3f (weights equal)\n' \
    "$r" "$threads" "$a" "$half" "$b" "$(echo "$b / $a" | bc -l)"
done
m1=$(printf '%s\n' "${one[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
m2=$(printf '%s\n' "${two[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
printf 'medians: 1 process x %d threads %.0f tokens/s; 2 ranks x %d %.0f tokens/s; ratio %.3f (target >= 0.85)\n' \
  "$threads" "$m1" "$half" "$m2" "$(echo "$m2 / $m1" | bc -l)"
