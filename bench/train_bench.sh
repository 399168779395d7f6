#!/usr/bin/env bash
# Training throughput: primer's kernels against PyTorch (Debian python3-torch 1.13, with
# Debian's OpenMP OpenBLAS) training the same 9,988,800-parameter model, batch 8 x 256,
# float32, AdamW, on the same threads, in one script; plus the FMA peak and MFU.
#   bench/train_bench.sh [THREADS] [STEPS]     (defaults: all cores, 5 steps)
# Needs: build/bench/train_bench, /usr/bin/python3 with torch (scripts/install-deps.sh),
# libopenblas0-openmp for the fair PyTorch baseline (NOTES.md).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
steps=${2:-5}
bin=build/bench/train_bench
[ -x "$bin" ] || { echo "build first: cmake --build build --target train_bench" >&2; exit 1; }
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -d "$openblas" ] || echo "note: libopenblas0-openmp is not installed; PyTorch runs on the default BLAS" >&2

echo "cores: $(nproc), threads: $threads, steps: $steps ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
primer_json=$("$bin" --threads "$threads" --steps "$steps" --json)
torch_json=$(LD_LIBRARY_PATH=$openblas OMP_NUM_THREADS=$threads /usr/bin/python3 bench/train_torch.py "$threads" "$steps")
/usr/bin/python3 - "$primer_json" "$torch_json" <<'PY'
import json, sys
p, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"FP32 FMA peak              {p['fma_peak']:8.1f} GFLOP/s ({p['threads']} threads; 1 thread {p['fma_peak_1']:.1f})")
print(f"primer matmuls of a step   {p['matmul_gflops']:8.1f} GFLOP/s   MFU in the matmuls {100 * p['matmul_mfu']:.0f}%  (target >= 50%)")
print(f"primer training            {p['tokens_per_s']:8.0f} tokens/s  {p['gflops']:.1f} GFLOP/s  MFU {100 * p['mfu']:.0f}%  ({p['step_s']:.3f} s/step, {p['kernel']})")
print(f"PyTorch {t['torch']:<10s} training {t['tokens_per_s']:8.0f} tokens/s  ({t['step_s']:.3f} s/step, {t['parameters']:,} parameters)")
print(f"ratio primer / PyTorch     {p['tokens_per_s'] / t['tokens_per_s']:8.2f}x  (target >= 1.5x)")
PY
