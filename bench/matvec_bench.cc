// The matrix–vector products of one decoded token of the default model (dim 320, 7 layers,
// hidden 864, vocab 4096), in every weight format, without the rest of the token
// (attention, norms, sampling): what the kernels alone reach, and what the same kernels
// reach on one layer's matrices only (a working set that stays in the L2 cache), so the
// gap between the two says how much of a token is the kernel's arithmetic and how much is
// reading the weights.
//
//   matvec_bench [--threads N] [--rounds R] [--format f32|f16|bf16|q8_0] [--hugepages]
// --hugepages: the weights in 2 MB pages (madvise), to see what the TLB costs.
//
// Prints, per format: µs per token (the median of R rounds, each the mean of enough
// tokens to run ~0.2 s), GB/s of weights read, and the same for one layer repeated. The
// products are issued as Session::step issues them (matvec_many for q/k/v and gate/up).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/mman.h>

#include <tbb/global_control.h>

#include "base/rng.h"
#include "model/kernels/quant.h"

using namespace primer::model::kernels;
using Clock = std::chrono::steady_clock;

namespace {

struct Layer {
  WeightMatrix q, k, v, o, w1, w3, w2;
};

std::vector<float> random_floats(size_t n, uint64_t seed, float scale) {
  std::vector<float> v(n);
  uint64_t s = seed;
  for (auto& f : v) {
    s = primer::base::mix64(s + 0x9E3779B97F4A7C15ull);
    f = scale * (static_cast<float>(s >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, rounds = 7;
  bool hugepages = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--hugepages")) hugepages = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--format") && i + 1 < argc) only = argv[++i];
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const int C = 320, H = 864, L = 7, V = 4096;
  std::printf("matvec_bench: dim %d, hidden %d, %d layers, vocab %d; %d thread(s), median of %d rounds; kernels %s%s\n",
              C, H, L, V, threads, rounds, std::string(quant_path_name(quant_path())).c_str(),
              hugepages ? "; 2 MB pages" : "");
  for (WeightType t : {WeightType::kF32, WeightType::kF16, WeightType::kBF16, WeightType::kQ8_0}) {
    if (!only.empty() && weight_type_name(t) != only) continue;
    // one buffer, matrices 64-byte aligned one after another (as packed_layout lays them)
    const size_t cap = (static_cast<size_t>(L) * (4 * C + 3 * H) * C + static_cast<size_t>(V) * C) * 4 + 64 * 64;
    const size_t huge = size_t{2} << 20, alloc = (cap + huge - 1) / huge * huge;
    auto* arena = static_cast<uint8_t*>(std::aligned_alloc(huge, alloc));
    if (hugepages) ::madvise(arena, alloc, MADV_HUGEPAGE);
    size_t used = 0;
    int made = 0;
    auto make = [&](int rows, int cols) {
      const auto w = random_floats(static_cast<size_t>(rows) * cols, ++made, 0.1f);
      uint8_t* bytes = arena + used;
      for (int r = 0; r < rows; ++r)
        quantize_row(t, w.data() + static_cast<size_t>(r) * cols, cols, bytes + r * row_bytes(t, cols));
      used += (static_cast<size_t>(rows) * row_bytes(t, cols) + 63) / 64 * 64;
      return WeightMatrix{t, bytes, rows, cols};
    };
    std::vector<Layer> layers;
    for (int l = 0; l < L; ++l)
      layers.push_back({make(C, C), make(C, C), make(C, C), make(C, C), make(H, C), make(H, C), make(C, H)});
    const WeightMatrix cls = make(V, C);
    size_t bytes = static_cast<size_t>(V) * row_bytes(t, C);
    for (int l = 0; l < L; ++l) bytes += (4 * static_cast<size_t>(C) + 2 * H) * row_bytes(t, C) + C * row_bytes(t, H);
    const size_t layer_bytes = (bytes - static_cast<size_t>(V) * row_bytes(t, C)) / L;
    std::vector<float> x = random_floats(C, 99, 1.0f), xh = random_floats(H, 98, 1.0f), y(V), q(C), k(C), v(C), h1(H),
                       h3(H);
    MatvecScratch scratch;
    auto layer = [&](const Layer& w) {
      matvec_many({{q.data(), &w.q}, {k.data(), &w.k}, {v.data(), &w.v}}, x.data(), scratch);
      matvec(y.data(), w.o, x.data(), scratch);
      matvec_many({{h1.data(), &w.w1}, {h3.data(), &w.w3}}, x.data(), scratch);
      matvec(y.data(), w.w2, xh.data(), scratch);
    };
    auto token = [&] {
      for (const Layer& w : layers) layer(w);
      matvec(y.data(), cls, x.data(), scratch);
    };
    auto one_layer = [&] { layer(layers[0]); };
    auto time = [&](auto&& fn) {
      std::vector<double> us;
      for (int r = 0; r < rounds; ++r) {
        int64_t n = 0;
        const auto t0 = Clock::now();
        double dt = 0;
        do {
          fn();
          ++n;
          dt = std::chrono::duration<double>(Clock::now() - t0).count();
        } while (dt < 0.2);
        us.push_back(dt / static_cast<double>(n) * 1e6);
      }
      std::sort(us.begin(), us.end());
      return us[us.size() / 2];
    };
    const double tok = time(token), lay = time(one_layer);
    std::printf("  %-5s %6.2f MB/token  %7.1f us/token (%5.1f GB/s)   one layer (%.2f MB) %6.1f us (%5.1f GB/s)\n",
                std::string(weight_type_name(t)).c_str(), static_cast<double>(bytes) / 1e6, tok,
                static_cast<double>(bytes) / tok / 1e3, static_cast<double>(layer_bytes) / 1e6, lay,
                static_cast<double>(layer_bytes) / lay / 1e3);
    std::free(arena);
  }
  return 0;
}
