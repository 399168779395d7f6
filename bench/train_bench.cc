// Training throughput of the reference model on this CPU, against the CPU's own FMA peak
// measured in the same process.
//
//   train_bench [--threads N] [--steps S] [--config tiny|default] [--json]
//
// Prints: FP32 FMA peak (1 thread and N threads), the GFLOP/s of the matmuls of one
// training step at their real shapes (→ MFU in the matmuls), and end-to-end training
// tokens/s, model GFLOP/s and MFU for batch 8 × 256 on the default 9,988,800-parameter
// config. bench/train_bench.sh runs it beside PyTorch training the same model.
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include "base/rng.h"
#include "model/kernels/adamw.h"
#include "model/kernels/matmul.h"
#include "model/transformer.h"

using namespace primer::model;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// 12 independent FMA chains of 8 floats: enough to cover FMA latency × throughput.
__attribute__((target("avx2,fma"))) double fma_loop(int64_t iters) {
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], m, c);
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

// The same with 16-float vectors: the peak of a CPU whose matmul runs the AVX-512 tiles.
__attribute__((target("avx512f"))) double fma_loop_avx512(int64_t iters) {
  __m512 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], m, c);
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}

// GFLOP/s of `threads` threads each running the FMA loop of 8-float (AVX2) or 16-float
// (AVX-512) vectors.
double fma_peak(int threads, bool avx512) {
  const int64_t iters = avx512 ? 20'000'000 : 40'000'000;
  std::vector<std::thread> pool;
  std::vector<double> sink(threads);
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { sink[t] = avx512 ? fma_loop_avx512(iters) : fma_loop(iters); });
  for (auto& th : pool) th.join();
  const double s = seconds_since(start);
  return threads * static_cast<double>(iters) * 12 * (avx512 ? 16 : 8) * 2 / s / 1e9;
}

struct Shape {
  int m, n, k;
  bool ta, tb;  // A transposed (dyᵀ · x), B transposed (x · Wᵀ)
  int count;    // times per training step
};

// The matmuls of one training step of `c` at B·T rows (forward, input and weight grads).
std::vector<Shape> step_shapes(const ModelConfig& c, int rows) {
  const int C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size, L = c.n_layers;
  std::vector<Shape> s;
  auto linear = [&](int out, int in, int times) {
    s.push_back({rows, out, in, false, true, times});   // y = x · Wᵀ
    s.push_back({rows, in, out, false, false, times});  // dx = dy · W
    s.push_back({out, in, rows, true, false, times});   // dW += dyᵀ · x
  };
  linear(C, C, 2 * L);   // wq, wo
  linear(KV, C, 2 * L);  // wk, wv
  linear(H, C, 2 * L);   // w1, w3
  linear(C, H, L);       // w2
  linear(V, C, 1);       // classifier
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = tbb::info::default_concurrency(), steps = 5;
  bool tiny = false, json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--steps" && i + 1 < argc) steps = std::stoi(argv[++i]);
    else if (a == "--config" && i + 1 < argc) tiny = std::string(argv[++i]) == "tiny";
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: train_bench [--threads N] [--steps S] [--config tiny|default] [--json]\n");
      return 2;
    }
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  ModelConfig c;  // the default 9,988,800-parameter model
  if (tiny) c.dim = 64, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 4, c.hidden_dim = 172, c.seq_len = 256;
  const int B = 8, T = c.seq_len;

  // MFU is against the peak of the vectors the matmul uses: on an AVX-512 CPU, 16 floats.
  const bool wide = std::strcmp(kernels::matmul_kernel_name(), "avx512") == 0;
  const double peak1 = fma_peak(1, wide), peakn = fma_peak(threads, wide);
  const double peak_avx2 = wide ? fma_peak(threads, false) : peakn;

  // The matmuls of one step, at their real shapes.
  const auto shapes = step_shapes(c, B * T);
  size_t biggest = 0;
  for (const Shape& s : shapes) biggest = std::max({biggest, size_t(s.m) * s.k, size_t(s.k) * s.n, size_t(s.m) * s.n});
  std::vector<float> a(biggest), b(biggest), out(biggest);
  primer::base::Rng rng(1, "bench");
  for (size_t i = 0; i < biggest; ++i)
    a[i] = static_cast<float>(rng.uniform() - 0.5), b[i] = static_cast<float>(rng.uniform() - 0.5);
  auto run_shapes = [&] {
    double flops = 0;
    for (const Shape& s : shapes)
      for (int r = 0; r < s.count; ++r) {
        const kernels::ConstView av = s.ta ? kernels::transposed(a.data(), s.m) : kernels::rows(a.data(), s.k);
        const kernels::ConstView bv = s.tb ? kernels::transposed(b.data(), s.k) : kernels::rows(b.data(), s.n);
        kernels::matmul(out.data(), s.n, av, bv, s.m, s.n, s.k, s.ta);
        flops += 2.0 * s.m * s.n * s.k;
      }
    return flops;
  };
  run_shapes();  // warm-up: packing buffers
  auto t0 = Clock::now();
  double mm_flops = 0;
  for (int i = 0; i < 3; ++i) mm_flops += run_shapes();
  const double mm_gflops = mm_flops / seconds_since(t0) / 1e9;

  // End-to-end training steps: forward, backward, AdamW.
  Transformer model(c);
  model.init_random(1);
  model.reserve(B, T);
  std::vector<int32_t> in(B * T), tgt(B * T);
  for (int i = 0; i < B * T; ++i)
    in[i] = static_cast<int32_t>(rng.below(c.vocab_size)), tgt[i] = static_cast<int32_t>(rng.below(c.vocab_size));
  std::vector<float> m(model.parameters().size()), v(m.size());
  auto step = [&](int s) {
    model.zero_grad();
    model.forward(in.data(), tgt.data(), B, T, 1.0f / (B * T));
    model.backward();
    kernels::AdamW opt;
    opt.step = s;
    kernels::adamw_update<float>(model.parameters().data(), model.gradients().data(), m.data(), v.data(),
                                 static_cast<int64_t>(m.size()), opt);
  };
  step(1);  // warm-up
  t0 = Clock::now();
  for (int s = 0; s < steps; ++s) step(s + 2);
  const double step_s = seconds_since(t0) / steps;
  const double tps = B * T / step_s, gflops = tps * c.training_flops_per_token() / 1e9;

  if (json) {
    std::printf(
        "{\"threads\": %d, \"kernel\": \"%s\", \"parameters\": %lld, \"fma_peak_1\": %.1f, \"fma_peak\": %.1f, "
        "\"fma_peak_avx2\": %.1f, \"matmul_gflops\": %.1f, \"matmul_mfu\": %.3f, \"step_s\": %.3f, "
        "\"tokens_per_s\": %.1f, \"gflops\": %.1f, \"mfu\": %.3f}\n",
        threads, kernels::matmul_kernel_name(), static_cast<long long>(c.parameter_count()), peak1, peakn, peak_avx2,
        mm_gflops, mm_gflops / peakn, step_s, tps, gflops, gflops / peakn);
    return 0;
  }
  std::printf("train_bench: %d thread(s), %s kernels, %lld parameters, batch %d x %d\n", threads,
              kernels::matmul_kernel_name(), static_cast<long long>(c.parameter_count()), B, T);
  std::printf("  FP32 FMA peak          %7.1f GFLOP/s (%s vectors; 1 thread: %.1f)\n", peakn, wide ? "AVX-512" : "AVX2",
              peak1);
  if (wide) std::printf("  FP32 FMA peak, AVX2    %7.1f GFLOP/s (for comparison)\n", peak_avx2);
  std::printf("  matmuls of one step    %7.1f GFLOP/s = %.0f%% of peak (MFU in the matmuls)\n", mm_gflops,
              100 * mm_gflops / peakn);
  std::printf("  training step          %7.3f s: %.0f tokens/s, %.1f GFLOP/s model = %.0f%% MFU\n", step_s, tps, gflops,
              100 * gflops / peakn);
  return 0;
}
