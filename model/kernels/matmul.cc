#include "model/kernels/matmul.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "model/kernels/vmath.h"

namespace primer::model::kernels {
namespace {

constexpr int kMr = 6;       // micro-tile rows (A panel height)
constexpr int kNr = 16;      // micro-tile columns (B panel width: two 8-float vectors)
constexpr int kKcMax = 384;  // k block at most: a 6×384 A panel and a 384×16 B panel fit in L1 (48 KB;
                             // the AVX-512 kernel's 384×32 pair fills it, and 256 was no faster)
constexpr int kMc = 192;     // rows per task at most: a 192×384 packed A block (288 KB) stays in L2

// K split into equal blocks of at most kKcMax (320 → one block of 320, 864 → 3 × 288),
// so no short remainder block pays a C round trip for a few k. Depends on K alone, so
// the FMA order of every C element is the same for any tiling or thread count.
inline int k_block(int k) {
  const int blocks = (k + kKcMax - 1) / kKcMax;
  return (k + blocks - 1) / blocks;
}

// A 64-byte aligned float buffer that only grows.
class Scratch {
 public:
  ~Scratch() { std::free(data_); }
  float* get(size_t floats) {
    if (floats > capacity_) {
      std::free(data_);
      const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data_) throw std::bad_alloc();
      capacity_ = floats;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local Scratch tls_a;  // packed A block of the running task
thread_local Scratch tls_b;  // packed B of a call started on this thread

// 8×8 transpose in registers: r[i] = row i in, column i out.
__attribute__((target("avx2,fma"))) inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20), r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20), r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31), r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31), r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Full 16-column B panel, k0..k0+kc, with AVX2 (plain copies: the same bits as the
// scalar packing). Returns the first k not packed (the caller finishes the tail).
__attribute__((target("avx2,fma"))) int pack_b_panel_avx2(float* dst, ConstView b, int k0, int kc, int j0) {
  if (b.col == 1) {  // rows of B: two vectors per k
    for (int p = 0; p < kc; ++p) {
      const float* src = &b.at(k0 + p, j0);
      _mm256_storeu_ps(dst + p * kNr, _mm256_loadu_ps(src));
      _mm256_storeu_ps(dst + p * kNr + 8, _mm256_loadu_ps(src + 8));
    }
    return kc;
  }
  if (b.row != 1) return 0;
  // Bᵀ view (x · Wᵀ): column j of B is a contiguous run over k; 8×8 blocks transposed.
  int p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int h = 0; h < kNr; h += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(&b.at(k0 + p, j0 + h + i));
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (p + q) * kNr + h, r[q]);
    }
  return p;
}

// A 6-row panel of a row-major A, k0..k0+kc (6 rows × 8 k transposed per step). Returns
// the first k not packed.
__attribute__((target("avx2,fma"))) int pack_a_rows_avx2(float* dst, const float* r0, int64_t ld, int kc) {
  int p = 0;
  for (; p + 8 <= kc; p += 8) {
    __m256 r[8];
    for (int i = 0; i < kMr; ++i) r[i] = _mm256_loadu_ps(r0 + i * ld + p);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    float* d = dst + p * kMr;
    for (int q = 0; q < 8; ++q) {  // 6 of each 8: 4 + 2
      _mm_storeu_ps(d + q * kMr, _mm256_castps256_ps128(r[q]));
      _mm_storel_pi(reinterpret_cast<__m64*>(d + q * kMr + 4), _mm256_extractf128_ps(r[q], 1));
    }
  }
  return p;
}

// kc × 16 panel of B starting at (k0, j0); columns past n are zero.
void pack_b_panel(float* dst, ConstView b, int k0, int kc, int j0, int n) {
  const int cols = std::min(kNr, n - j0);
  if (cols == kNr && vector_math_enabled()) {
    const int done = pack_b_panel_avx2(dst, b, k0, kc, j0);
    dst += done * kNr, k0 += done, kc -= done;
    if (kc == 0) return;
  }
  if (b.col == 1) {
    for (int p = 0; p < kc; ++p) {
      const float* src = &b.at(k0 + p, j0);
      float* d = dst + p * kNr;
      for (int c = 0; c < cols; ++c) d[c] = src[c];
      for (int c = cols; c < kNr; ++c) d[c] = 0;
    }
  } else {
    for (int c = 0; c < cols; ++c)
      for (int p = 0; p < kc; ++p) dst[p * kNr + c] = b.at(k0 + p, j0 + c);
    for (int c = cols; c < kNr; ++c)
      for (int p = 0; p < kc; ++p) dst[p * kNr + c] = 0;
  }
}

// Rows i0..i1 of A, k0..k0+kc, as 6-row panels (kc × 6 each); rows past i1 are zero.
void pack_a_block(float* dst, ConstView a, int i0, int i1, int k0, int kc) {
  if (a.row == 1) {
    // A is a transposed view (dyᵀ · x): for each k the rows of the block lie side by
    // side in memory, and k rows are far apart. Eight k rows (prefetched ahead) are copied
    // panel by panel, so each panel receives 8 · 6 contiguous floats.
    const int panels = (i1 - i0 + kMr - 1) / kMr;
    const int full = (i1 - i0) / kMr;
    const int rows_left = i1 - i0 - full * kMr;
    constexpr int kAhead = 16;
    constexpr int kStep = 8;
    for (int p0 = 0; p0 < kc; p0 += kStep) {
      const int p1 = std::min(kc, p0 + kStep);
      for (int p = p0; p < p1 && p + kAhead < kc; ++p)
        for (int r = 0; r < i1 - i0; r += 16) __builtin_prefetch(&a.at(i0 + r, k0 + p + kAhead));
      for (int q = 0; q < panels; ++q) {
        float* d = dst + static_cast<size_t>(q) * kc * kMr + static_cast<size_t>(p0) * kMr;
        for (int p = p0; p < p1; ++p, d += kMr) {
          const float* src = &a.at(i0 + q * kMr, k0 + p);
          if (q < full) {
            std::memcpy(d, src, kMr * sizeof(float));
          } else {
            for (int r = 0; r < kMr; ++r) d[r] = r < rows_left ? src[r] : 0.0f;
          }
        }
      }
    }
    return;
  }
  for (int s = i0; s < i1; s += kMr) {
    const int rows = std::min(kMr, i1 - s);
    if (a.col == 1 && rows == kMr) {
      // six row streams read in step, the panel written in order
      const float* r0 = &a.at(s, k0);
      const int64_t ld = a.row;
      for (int p = vector_math_enabled() ? pack_a_rows_avx2(dst, r0, ld, kc) : 0; p < kc; ++p) {
        float* d = dst + p * kMr;
        d[0] = r0[p], d[1] = r0[ld + p], d[2] = r0[2 * ld + p], d[3] = r0[3 * ld + p], d[4] = r0[4 * ld + p],
        d[5] = r0[5 * ld + p];
      }
    } else {
      for (int r = 0; r < rows; ++r) {
        const float* src = &a.at(s + r, k0);
        for (int p = 0; p < kc; ++p) dst[p * kMr + r] = src[p * a.col];
      }
      for (int r = rows; r < kMr; ++r)
        for (int p = 0; p < kc; ++p) dst[p * kMr + r] = 0;
    }
    dst += static_cast<size_t>(kc) * kMr;
  }
}

// Writes a finished micro-tile (rows `width` floats apart): only the mr × nr part inside C.
inline void store_tile(const float* t, float* c, int64_t ldc, int mr, int nr, bool accumulate, int width = kNr) {
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + t[r * width + j] : t[r * width + j];
}

// C[0:mr, 0:nr] (+)= Apanel (6 × kc) · Bpanel (kc × 16).
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
                             bool accumulate);

void micro_portable(int kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  float t[kMr * kNr] = {};
  for (int p = 0; p < kc; ++p, a += kMr, b += kNr)
    for (int r = 0; r < kMr; ++r) {
      const float av = a[r];
      for (int j = 0; j < kNr; ++j) t[r * kNr + j] += av * b[j];
    }
  store_tile(t, c, ldc, mr, nr, accumulate);
}

__attribute__((target("avx2,fma"))) void micro_avx2(int kc, const float* a, const float* b, float* c, int64_t ldc,
                                                    int mr, int nr, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; ++p, a += kMr, b += kNr) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00), c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10), c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20), c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30), c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40), c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50), c51 = _mm256_fmadd_ps(av, b1, c51);
  }
  const __m256 acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == kMr && nr == kNr) {
    for (int r = 0; r < kMr; ++r) {
      float* row = c + r * ldc;
      if (accumulate) {
        _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]));
        _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]));
      } else {
        _mm256_storeu_ps(row, acc[r][0]);
        _mm256_storeu_ps(row + 8, acc[r][1]);
      }
    }
    return;
  }
  alignas(32) float t[kMr * kNr];
  for (int r = 0; r < kMr; ++r) {
    _mm256_store_ps(t + r * kNr, acc[r][0]);
    _mm256_store_ps(t + r * kNr + 8, acc[r][1]);
  }
  store_tile(t, c, ldc, mr, nr, accumulate);
}

// C[0:mr, 0:nr] (+)= Apanel (6 × kc) · [Bpanel0 Bpanel1] (kc × 32): two neighbouring
// 16-column panels at once, one 16-float vector each, 12 accumulators. Every lane runs
// the same FMA chain as micro_avx2 would, so the results are the same bits.
using PairKernel = void (*)(int kc, const float* a, const float* b0, const float* b1, float* c, int64_t ldc, int mr,
                            int nr, bool accumulate);

__attribute__((target("avx512f"))) void micro_avx512(int kc, const float* a, const float* b0, const float* b1, float* c,
                                                     int64_t ldc, int mr, int nr, bool accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (int p = 0; p < kc; ++p, a += kMr, b0 += kNr, b1 += kNr) {
    const __m512 x0 = _mm512_load_ps(b0), x1 = _mm512_load_ps(b1);
    __m512 av = _mm512_set1_ps(a[0]);
    c00 = _mm512_fmadd_ps(av, x0, c00), c01 = _mm512_fmadd_ps(av, x1, c01);
    av = _mm512_set1_ps(a[1]);
    c10 = _mm512_fmadd_ps(av, x0, c10), c11 = _mm512_fmadd_ps(av, x1, c11);
    av = _mm512_set1_ps(a[2]);
    c20 = _mm512_fmadd_ps(av, x0, c20), c21 = _mm512_fmadd_ps(av, x1, c21);
    av = _mm512_set1_ps(a[3]);
    c30 = _mm512_fmadd_ps(av, x0, c30), c31 = _mm512_fmadd_ps(av, x1, c31);
    av = _mm512_set1_ps(a[4]);
    c40 = _mm512_fmadd_ps(av, x0, c40), c41 = _mm512_fmadd_ps(av, x1, c41);
    av = _mm512_set1_ps(a[5]);
    c50 = _mm512_fmadd_ps(av, x0, c50), c51 = _mm512_fmadd_ps(av, x1, c51);
  }
  const __m512 acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == kMr && nr == 2 * kNr) {
    for (int r = 0; r < kMr; ++r) {
      float* row = c + r * ldc;
      if (accumulate) {
        _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[r][0]));
        _mm512_storeu_ps(row + kNr, _mm512_add_ps(_mm512_loadu_ps(row + kNr), acc[r][1]));
      } else {
        _mm512_storeu_ps(row, acc[r][0]);
        _mm512_storeu_ps(row + kNr, acc[r][1]);
      }
    }
    return;
  }
  alignas(64) float t[kMr * 2 * kNr];
  for (int r = 0; r < kMr; ++r) {
    _mm512_store_ps(t + r * 2 * kNr, acc[r][0]);
    _mm512_store_ps(t + r * 2 * kNr + kNr, acc[r][1]);
  }
  store_tile(t, c, ldc, mr, nr, accumulate, 2 * kNr);
}

const MicroKernel kDetected = cpu_has_avx2_fma() ? micro_avx2 : micro_portable;
const PairKernel kDetectedPair = cpu_has_avx512() ? micro_avx512 : nullptr;
std::atomic<MicroKernel> g_kernel{kDetected};
std::atomic<PairKernel> g_pair{kDetectedPair};  // nullptr: one panel at a time

// B packed as: k block kb (kc rows, the last one shorter), then its 16-column panels.
struct Packed {
  int m, n, k;
  int kc;      // k_block(k)
  int strips;  // 16-column panels
  float* b;
  int kblocks() const { return (k + kc - 1) / kc; }
  int rows(int kb) const { return std::min(kc, k - kb * kc); }  // k rows of block kb
  float* panel(int kb, int s) const {
    return b + static_cast<size_t>(kb) * kc * strips * kNr + static_cast<size_t>(s) * rows(kb) * kNr;
  }
};

void pack_b_all(const Packed& pk, ConstView b, bool parallel) {
  const int strips = pk.strips;
  auto pack = [&](int index) {
    const int kb = index / strips, s = index % strips;
    pack_b_panel(pk.panel(kb, s), b, kb * pk.kc, pk.rows(kb), s * kNr, pk.n);
  };
  const int tasks = pk.kblocks() * strips;
  if (parallel) tbb::parallel_for(0, tasks, pack);
  else
    for (int i = 0; i < tasks; ++i) pack(i);
}

// Rows i0..i1 (at most kMc) × panels s0..s1 of C.
void compute_block(const Packed& pk, ConstView a, float* c, int64_t ldc, int i0, int i1, int s0, int s1,
                   bool accumulate, MicroKernel kernel, PairKernel pair) {
  float* ap = tls_a.get(static_cast<size_t>(kMc) * kKcMax);
  const int kblocks = pk.kblocks();
  for (int kb = 0; kb < kblocks; ++kb) {
    const int k0 = kb * pk.kc, kc = pk.rows(kb);
    pack_a_block(ap, a, i0, i1, k0, kc);
    const bool acc = accumulate || kb > 0;
    for (int s = s0; s < s1;) {
      const float* bp = pk.panel(kb, s);
      const int j = s * kNr;
      if (pair && s + 1 < s1) {
        const float* bp1 = pk.panel(kb, s + 1);
        const int nr = std::min(2 * kNr, pk.n - j);
        for (int i = i0; i < i1; i += kMr)
          pair(kc, ap + static_cast<size_t>(i - i0) * kc, bp, bp1, c + i * ldc + j, ldc, std::min(kMr, i1 - i), nr,
               acc);
        s += 2;
        continue;
      }
      const int nr = std::min(kNr, pk.n - j);
      for (int i = i0; i < i1; i += kMr)
        kernel(kc, ap + static_cast<size_t>(i - i0) * kc, bp, c + i * ldc + j, ldc, std::min(kMr, i1 - i), nr, acc);
      ++s;
    }
  }
}

void run(float* c, int64_t ldc, ConstView a, ConstView b, int m, int n, int k, bool accumulate, bool parallel) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  const MicroKernel kernel = g_kernel.load(std::memory_order_relaxed);
  const PairKernel pair = g_pair.load(std::memory_order_relaxed);
  const int strips = (n + kNr - 1) / kNr;
  float* bp = tls_b.get(static_cast<size_t>(k) * strips * kNr);
  const Packed pk{m, n, k, k_block(k), strips, bp};
  // Small products are not worth the threads.
  if (parallel && static_cast<double>(m) * n * k < 2e6) parallel = false;
  pack_b_all(pk, b, parallel);
  if (!parallel) {
    for (int i0 = 0; i0 < m; i0 += kMc)
      compute_block(pk, a, c, ldc, i0, std::min(m, i0 + kMc), 0, strips, accumulate, kernel, pair);
    return;
  }
  // Tasks: row blocks (at most kMc rows: a packed A block stays in L2) × column chunks.
  // Every row block streams all of its chunk's B and every column chunk packs its rows
  // of A again, so among the splits with enough tasks (a multiple of the thread count)
  // take the one that moves the fewest floats: nchunks·|A| + mblocks·|B|. (x · Wᵀ: many
  // row blocks, one chunk; dW = dyᵀ · x, K = tokens: 2 × 2.)
  const int threads = tbb::this_task_arena::max_concurrency();
  const int target = 2 * threads;
  int mc = kMc, mblocks = 1, nchunks = 1;
  double best = -1;
  bool best_balanced = false;
  for (int blocks = (m + kMc - 1) / kMc; blocks <= std::max(1, m / (2 * kMr)); ++blocks) {
    const int c_mc = std::clamp(((m + blocks - 1) / blocks + kMr - 1) / kMr * kMr, 2 * kMr, kMc);
    const int c_mblocks = (m + c_mc - 1) / c_mc;
    int c_nchunks = std::min(strips, std::max(1, (target + c_mblocks - 1) / c_mblocks));
    while (c_nchunks < strips && c_mblocks * c_nchunks % threads != 0) ++c_nchunks;
    const double moved = static_cast<double>(c_nchunks) * m * k + static_cast<double>(c_mblocks) * k * n;
    const bool balanced = c_mblocks * c_nchunks % threads == 0;
    if (best < 0 || (balanced && !best_balanced) || (balanced == best_balanced && moved < best))
      best = moved, best_balanced = balanced, mc = c_mc, mblocks = c_mblocks, nchunks = c_nchunks;
    if (c_mblocks * c_nchunks >= target && balanced && c_nchunks == 1) break;  // more row blocks only add B traffic
  }
  const int chunk = (strips + nchunks - 1) / nchunks;
  const int nblocks = (strips + chunk - 1) / chunk;
  tbb::parallel_for(0, mblocks * nblocks, [&](int task) {
    const int mb = task / nblocks, nb = task % nblocks;
    compute_block(pk, a, c, ldc, mb * mc, std::min(m, (mb + 1) * mc), nb * chunk, std::min(strips, (nb + 1) * chunk),
                  accumulate, kernel, pair);
  });
}

}  // namespace

void matmul(float* c, int64_t ldc, ConstView a, ConstView b, int m, int n, int k, bool accumulate) {
  run(c, ldc, a, b, m, n, k, accumulate, true);
}

void matmul_serial(float* c, int64_t ldc, ConstView a, ConstView b, int m, int n, int k, bool accumulate) {
  run(c, ldc, a, b, m, n, k, accumulate, false);
}

const char* matmul_kernel_name() {
  if (g_pair.load()) return "avx512";
  return g_kernel.load() == micro_avx2 ? "avx2-fma" : "portable";
}

void force_portable_kernels(bool portable) {
  g_kernel.store(portable ? micro_portable : kDetected);
  g_pair.store(portable ? nullptr : kDetectedPair);
  force_scalar_math(portable);
}

bool allow_avx512_kernels(bool allowed) {
  g_pair.store(allowed && g_kernel.load() != micro_portable ? kDetectedPair : nullptr);
  return g_pair.load() != nullptr;
}

}  // namespace primer::model::kernels
