#!/usr/bin/env bash
# Training throughput: primer's kernels against PyTorch (Debian python3-torch 1.13, with
# Debian's OpenMP OpenBLAS) training the same 9,988,800-parameter model, batch 8 x 256,
# float32, AdamW, on the same threads, in one script; plus the FMA peak and MFU.
#   bench/train_bench.sh [THREADS] [STEPS] [ROUNDS]   (defaults: all cores, 5 steps, 3 rounds)
# Each round runs primer then PyTorch (STEPS timed steps each, after one warm-up step);
# rounds alternate the two, so a noisy neighbour slows both, and the table reports the
# median round of each (every round is printed too).
# Needs: build/bench/train_bench, /usr/bin/python3 with torch (scripts/install-deps.sh),
# libopenblas0-openmp for the fair PyTorch baseline (NOTES.md).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-5}
rounds=${3:-3}
bin=build/bench/train_bench
[ -x "$bin" ] || { echo "build first: cmake --build build --target train_bench" >&2; exit 1; }
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -d "$openblas" ] || echo "note: libopenblas0-openmp is not installed; PyTorch runs on the default BLAS" >&2

echo "cores: $(nproc), threads: $threads, steps: $steps, rounds: $rounds ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
results=()
for ((r = 1; r <= rounds; ++r)); do
  p=$("$bin" --threads "$threads" --steps "$steps" --json)
  t=$(LD_LIBRARY_PATH=$openblas OMP_NUM_THREADS=$threads /usr/bin/python3 bench/train_torch.py "$threads" "$steps")
  results+=("$p" "$t")
done
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(a) for a in sys.argv[1:]]
ps, ts = runs[0::2], runs[1::2]
for i, (p, t) in enumerate(zip(ps, ts), 1):
    print(f"round {i}: primer {p['tokens_per_s']:6.0f} tokens/s ({p['step_s']:.3f} s/step), "
          f"PyTorch {t['tokens_per_s']:6.0f} tokens/s ({t['step_s']:.3f} s/step), ratio {p['tokens_per_s'] / t['tokens_per_s']:.2f}x")
def median(rows, key):
    return statistics.median(r[key] for r in rows)
p = {k: median(ps, k) for k in ("fma_peak", "fma_peak_1", "matmul_gflops", "matmul_mfu", "tokens_per_s", "gflops", "mfu", "step_s")}
t = {k: median(ts, k) for k in ("tokens_per_s", "step_s")}
print(f"medians of {len(ps)} rounds:")
vec = "AVX-512" if ps[0]['kernel'] == "avx512" else "AVX2"
print(f"FP32 FMA peak              {p['fma_peak']:8.1f} GFLOP/s ({vec} vectors, those the matmul runs; {ps[0]['threads']} threads; 1 thread {p['fma_peak_1']:.1f})")
if vec == "AVX-512":
    print(f"FP32 FMA peak, AVX2        {statistics.median(r['fma_peak_avx2'] for r in ps):8.1f} GFLOP/s (for comparison; MFU is against the AVX-512 peak)")
print(f"primer matmuls of a step   {p['matmul_gflops']:8.1f} GFLOP/s   MFU in the matmuls {100 * p['matmul_mfu']:.0f}%  (target >= 50%)")
print(f"primer training            {p['tokens_per_s']:8.0f} tokens/s  {p['gflops']:.1f} GFLOP/s  MFU {100 * p['mfu']:.0f}%  ({p['step_s']:.3f} s/step, {ps[0]['kernel']})")
print(f"PyTorch {ts[0]['torch']:<10s} training {t['tokens_per_s']:8.0f} tokens/s  ({t['step_s']:.3f} s/step, {ts[0]['parameters']:,} parameters)")
print(f"ratio primer / PyTorch     {p['tokens_per_s'] / t['tokens_per_s']:8.2f}x  (target >= 1.5x)")
PY
