#include "model/kernels/quant.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "model/kernels/matvec.h"
#include "model/kernels/parallel.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {

std::string_view weight_type_name(WeightType t) {
  switch (t) {
    case WeightType::kF32: return "f32";
    case WeightType::kF16: return "f16";
    case WeightType::kBF16: return "bf16";
    case WeightType::kQ8_0: return "q8_0";
  }
  return "?";
}

std::optional<WeightType> parse_weight_type(std::string_view name) {
  for (WeightType t : {WeightType::kF32, WeightType::kF16, WeightType::kBF16, WeightType::kQ8_0})
    if (weight_type_name(t) == name) return t;
  return std::nullopt;
}

bool fits_row(WeightType t, int64_t cols) { return cols > 0 && (t != WeightType::kQ8_0 || cols % kQ8Block == 0); }

size_t row_bytes(WeightType t, int64_t cols) {
  switch (t) {
    case WeightType::kF32: return static_cast<size_t>(cols) * 4;
    case WeightType::kF16:
    case WeightType::kBF16: return static_cast<size_t>(cols) * 2;
    case WeightType::kQ8_0: return static_cast<size_t>(cols / kQ8Block) * sizeof(BlockQ8_0);
  }
  return 0;
}

// ---- scalar conversions -----------------------------------------------------------

uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));  // inf / nan
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00);                                        // overflow
  if (exp <= 0) {                                                                                    // subnormal
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const int shift = 14 - exp;
    uint32_t half = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent: correct
  return static_cast<uint16_t>(sign | half);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, x;
  if (exp == 0) {
    if (mant == 0) x = sign;
    else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      x = sign | ((127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    x = sign | 0x7f800000 | (mant << 13);
  } else {
    x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t fp32_to_bf16(float f) {  // ggml's GGML_FP32_TO_BF16
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((u >> 16) | 64);  // NaN: keep it quiet
  return static_cast<uint16_t>((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

float bf16_to_fp32(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// ---- encoding ---------------------------------------------------------------------

void quantize_row(WeightType t, const float* x, int64_t n, void* out) {
  switch (t) {
    case WeightType::kF32: std::memcpy(out, x, static_cast<size_t>(n) * 4); return;
    case WeightType::kF16: {
      auto* o = static_cast<uint16_t*>(out);
      for (int64_t i = 0; i < n; ++i) o[i] = fp32_to_fp16(x[i]);
      return;
    }
    case WeightType::kBF16: {
      auto* o = static_cast<uint16_t*>(out);
      for (int64_t i = 0; i < n; ++i) o[i] = fp32_to_bf16(x[i]);
      return;
    }
    case WeightType::kQ8_0: {  // llama.cpp's quantize_row_q8_0_ref
      auto* o = static_cast<BlockQ8_0*>(out);
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const float* v = x + b * kQ8Block;
        float amax = 0;
        for (int j = 0; j < kQ8Block; ++j) amax = std::max(amax, std::fabs(v[j]));
        const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        o[b].d = fp32_to_fp16(d);
        for (int j = 0; j < kQ8Block; ++j) o[b].q[j] = static_cast<int8_t>(std::roundf(v[j] * id));
      }
      return;
    }
  }
}

// `in` may sit at any address (a tensor in a file's bytes: GGUF lets a file choose an
// alignment of 1): halves and blocks are copied out byte-wise, which compiles to plain
// loads, never read through a misaligned pointer.
void dequantize_row(WeightType t, const void* in, int64_t n, float* out) {
  const auto* bytes = static_cast<const unsigned char*>(in);
  auto half = [&](int64_t i) {
    uint16_t h;
    std::memcpy(&h, bytes + 2 * i, 2);
    return h;
  };
  switch (t) {
    case WeightType::kF32: std::memcpy(out, in, static_cast<size_t>(n) * 4); return;
    case WeightType::kF16:
      for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(half(i));
      return;
    case WeightType::kBF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(half(i));
      return;
    case WeightType::kQ8_0: {
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        BlockQ8_0 block;
        std::memcpy(&block, bytes + b * static_cast<int64_t>(sizeof(BlockQ8_0)), sizeof block);
        const float d = fp16_to_fp32(block.d);
        for (int j = 0; j < kQ8Block; ++j) out[b * kQ8Block + j] = d * static_cast<float>(block.q[j]);
      }
      return;
    }
  }
}

namespace {

void quantize_input_portable(const float* x, int64_t n, BlockQ8_0* out) {
  for (int64_t b = 0; b < n / kQ8Block; ++b) {
    const float* v = x + b * kQ8Block;
    float amax = 0;
    for (int j = 0; j < kQ8Block; ++j) amax = std::max(amax, std::fabs(v[j]));
    out[b].d = fp32_to_fp16(amax / 127.0f);
    const float id = amax != 0 ? 127.0f / amax : 0.0f;
    for (int j = 0; j < kQ8Block; ++j) out[b].q[j] = static_cast<int8_t>(std::nearbyint(v[j] * id));  // ties to even
  }
}

__attribute__((target("avx2,fma,f16c"))) void quantize_input_avx2(const float* x, int64_t n, BlockQ8_0* out) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kQ8Block; ++b, x += kQ8Block) {
    __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
           v3 = _mm256_loadu_ps(x + 24);
    __m256 m = _mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1));
    m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    out[b].d = fp32_to_fp16(amax / 127.0f);
    const __m256 id = _mm256_set1_ps(amax != 0 ? 127.0f / amax : 0.0f);
    constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), kRound));
    __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), kRound));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), kRound));
    __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), kRound));
    // packs work within 128-bit halves; the permutation restores the order
    i0 = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].q), i0);
  }
}

// ---- the products -------------------------------------------------------------------
// Every path sums in the same order, so all give the same bits: per row 8 float lanes,
// lane j of a q8_0 block adding d_w·d_x · Σ of its products 4j..4j+3 (one FMA per block),
// the lanes folded as hsum8 below; f16 / bf16 lane j adds w[8i+j]·x[8i+j] by FMA, and
// columns past the last multiple of 8 are added to the folded sum one FMA at a time.

// (a[0]+a[4] + a[2]+a[6]) + (a[1]+a[5] + a[3]+a[7]), the order of hsum8's instructions
float fold8(const float* a) {
  float r[4];
  for (int i = 0; i < 4; ++i) r[i] = a[i + 4] + a[i];
  return (r[0] + r[2]) + (r[1] + r[3]);
}

void rows_q8_0_portable(float* y, const uint8_t* w, size_t stride, const BlockQ8_0* xq, int64_t r0, int64_t r1, int k) {
  const int nb = k / kQ8Block;
  for (int64_t i = r0; i < r1; ++i) {
    const auto* row = reinterpret_cast<const BlockQ8_0*>(w + i * stride);
    float acc[8] = {};
    for (int b = 0; b < nb; ++b) {
      const float d = fp16_to_fp32(row[b].d) * fp16_to_fp32(xq[b].d);
      for (int j = 0; j < 8; ++j) {
        int32_t s = 0;
        for (int t = 4 * j; t < 4 * j + 4; ++t) s += static_cast<int32_t>(row[b].q[t]) * xq[b].q[t];
        acc[j] = std::fma(d, static_cast<float>(s), acc[j]);
      }
    }
    y[i] = fold8(acc);
  }
}

template <typename Widen>
void rows_half_portable(float* y, const uint8_t* w, size_t stride, const float* x, int64_t r0, int64_t r1, int k,
                        Widen widen) {
  const int k8 = k / 8 * 8;
  for (int64_t i = r0; i < r1; ++i) {
    const auto* row = reinterpret_cast<const uint16_t*>(w + i * stride);
    float acc[8] = {};
    for (int j = 0; j < k8; j += 8)
      for (int l = 0; l < 8; ++l) acc[l] = std::fma(widen(row[j + l]), x[j + l], acc[l]);
    float r = fold8(acc);
    for (int j = k8; j < k; ++j) r = std::fma(widen(row[j]), x[j], r);
    y[i] = r;
  }
}

__attribute__((target("avx2,fma"))) inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Rows to prefetch ahead: about 8 KB past the block being read (f16: 16 rows of 320
// weights, 8 of 864; q8_0: 28 of 320), in software. Four interleaved rows of a few hundred
// bytes each keep the hardware prefetchers from ramping up: on the default model's
// matrices (20 MB in f16) the f16 products ran 2.5–3× faster with these prefetches
// (bench/matvec_bench).
constexpr size_t kPrefetchBytes = 8192;
inline int64_t prefetch_rows(size_t stride) {
  return std::max<int64_t>(4, static_cast<int64_t>((kPrefetchBytes + stride - 1) / stride + 3) / 4 * 4);
}
// The address of row `row`, which may lie past the matrix (a prefetch there is harmless:
// it reads the next matrix of the packed buffer, or nothing), computed as an integer.
inline const char* prefetch_address(const uint8_t* w, int64_t row, size_t stride) {
  return reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(w) + static_cast<uintptr_t>(row) * stride);
}

// |x| and w with x's signs: maddubs(|x|, ±w) multiplies unsigned by signed bytes. Quants
// lie in [-127, 127], so a pair sums to at most 2·127² < 2^15: no saturation. vpdpbusd
// sums the same four products per lane in one instruction.
__attribute__((target("avx2,fma,f16c"))) inline __m256 block_dot_avx2(__m256i ax, __m256i x, __m256i w) {
  const __m256i dot = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w, x));
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_set1_epi16(1), dot));
}

#define PRIMER_VNNI_TARGET "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"
__attribute__((target(PRIMER_VNNI_TARGET))) inline __m256 block_dot_vnni(__m256i ax, __m256i x, __m256i w) {
  return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, _mm256_sign_epi8(w, x)));
}

// acc += d_w·d_x · (w · x) for one block (x: the input block's quants, ax = |x|)
#define PRIMER_Q8_STEP(BLOCK_DOT, blk, acc, ax, x, dx)             \
  acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss((blk).d) * (dx)), \
                        BLOCK_DOT(ax, x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>((blk).q))), acc)

// Rows r0..r1 of a q8_0 matrix (rows `stride` bytes apart) times the quantized input.
#define PRIMER_Q8_ROWS(NAME, TARGET, BLOCK_DOT)                                                             \
  __attribute__((target(TARGET))) void NAME(float* y, const uint8_t* w, size_t stride, const BlockQ8_0* xq, \
                                            int64_t r0, int64_t r1, int k) {                                \
    const int nb = k / kQ8Block;                                                                            \
    const int64_t ahead = prefetch_rows(stride);                                                            \
    int64_t i = r0;                                                                                         \
    for (; i + 4 <= r1; i += 4) {                                                                           \
      const auto* a = reinterpret_cast<const BlockQ8_0*>(w + i * stride);                                   \
      const auto* b = reinterpret_cast<const BlockQ8_0*>(w + (i + 1) * stride);                             \
      const auto* c = reinterpret_cast<const BlockQ8_0*>(w + (i + 2) * stride);                             \
      const auto* e = reinterpret_cast<const BlockQ8_0*>(w + (i + 3) * stride);                             \
      /* the four rows `ahead` on: 4 · 34 bytes per block, three lines cover them */                       \
      const char* pf = prefetch_address(w, i + ahead, stride);                                              \
      __m256 sa = _mm256_setzero_ps(), sb = sa, sc = sa, se = sa;                                           \
      for (int j = 0; j < nb; ++j) {                                                                        \
        _mm_prefetch(pf + 136 * j, _MM_HINT_T0);                                                            \
        _mm_prefetch(pf + 136 * j + 64, _MM_HINT_T0);                                                       \
        _mm_prefetch(pf + 136 * j + 128, _MM_HINT_T0);                                                      \
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[j].q));                    \
        const __m256i ax = _mm256_sign_epi8(x, x);                                                          \
        const float dx = _cvtsh_ss(xq[j].d);                                                                \
        PRIMER_Q8_STEP(BLOCK_DOT, a[j], sa, ax, x, dx);                                                     \
        PRIMER_Q8_STEP(BLOCK_DOT, b[j], sb, ax, x, dx);                                                     \
        PRIMER_Q8_STEP(BLOCK_DOT, c[j], sc, ax, x, dx);                                                     \
        PRIMER_Q8_STEP(BLOCK_DOT, e[j], se, ax, x, dx);                                                     \
      }                                                                                                     \
      y[i] = hsum8(sa), y[i + 1] = hsum8(sb), y[i + 2] = hsum8(sc), y[i + 3] = hsum8(se);                   \
    }                                                                                                       \
    for (; i < r1; ++i) {                                                                                   \
      const auto* a = reinterpret_cast<const BlockQ8_0*>(w + i * stride);                                   \
      __m256 s = _mm256_setzero_ps();                                                                       \
      for (int j = 0; j < nb; ++j) {                                                                        \
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[j].q));                    \
        PRIMER_Q8_STEP(BLOCK_DOT, a[j], s, _mm256_sign_epi8(x, x), x, _cvtsh_ss(xq[j].d));                  \
      }                                                                                                     \
      y[i] = hsum8(s);                                                                                      \
    }                                                                                                       \
  }

PRIMER_Q8_ROWS(rows_q8_0_avx2, "avx2,fma,f16c", block_dot_avx2)
PRIMER_Q8_ROWS(rows_q8_0_vnni, PRIMER_VNNI_TARGET, block_dot_vnni)
#undef PRIMER_Q8_ROWS
#undef PRIMER_Q8_STEP
#undef PRIMER_VNNI_TARGET

template <bool kBf16>
__attribute__((target("avx2,fma,f16c"))) inline __m256 widen8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (kBf16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  else return _mm256_cvtph_ps(h);
}

// r + Σ w[j]·x[j] over the columns past the last multiple of 8, one FMA at a time
template <bool kBf16>
__attribute__((target("avx2,fma,f16c"))) inline float tail_sum(const uint16_t* row, const float* x, int k8, int k,
                                                               float r) {
  for (int j = k8; j < k; ++j)
    r = _mm_cvtss_f32(
        _mm_fmadd_ss(_mm_set_ss(kBf16 ? bf16_to_fp32(row[j]) : _cvtsh_ss(row[j])), _mm_set_ss(x[j]), _mm_set_ss(r)));
  return r;
}

template <bool kBf16>
__attribute__((target("avx2,fma,f16c"))) void rows_half_avx2(float* y, const uint8_t* w, size_t stride, const float* x,
                                                             int64_t r0, int64_t r1, int k) {
  const int k8 = k / 8 * 8;
  const int64_t ahead = prefetch_rows(stride);
  int64_t i = r0;
  for (; i + 4 <= r1; i += 4) {
    const auto* a = reinterpret_cast<const uint16_t*>(w + i * stride);
    const auto* b = reinterpret_cast<const uint16_t*>(w + (i + 1) * stride);
    const auto* c = reinterpret_cast<const uint16_t*>(w + (i + 2) * stride);
    const auto* d = reinterpret_cast<const uint16_t*>(w + (i + 3) * stride);
    // the four rows `ahead` rows on span 8·k bytes: 64 of them per step of 8 columns
    const char* pf = prefetch_address(w, i + ahead, stride);
    __m256 sa = _mm256_setzero_ps(), sb = sa, sc = sa, sd = sa;
    for (int j = 0; j < k8; j += 8) {
      _mm_prefetch(pf + 8 * j, _MM_HINT_T0);
      const __m256 xv = _mm256_loadu_ps(x + j);
      sa = _mm256_fmadd_ps(widen8<kBf16>(a + j), xv, sa);
      sb = _mm256_fmadd_ps(widen8<kBf16>(b + j), xv, sb);
      sc = _mm256_fmadd_ps(widen8<kBf16>(c + j), xv, sc);
      sd = _mm256_fmadd_ps(widen8<kBf16>(d + j), xv, sd);
    }
    y[i] = tail_sum<kBf16>(a, x, k8, k, hsum8(sa));
    y[i + 1] = tail_sum<kBf16>(b, x, k8, k, hsum8(sb));
    y[i + 2] = tail_sum<kBf16>(c, x, k8, k, hsum8(sc));
    y[i + 3] = tail_sum<kBf16>(d, x, k8, k, hsum8(sd));
  }
  for (; i < r1; ++i) {
    const auto* a = reinterpret_cast<const uint16_t*>(w + i * stride);
    __m256 s = _mm256_setzero_ps();
    for (int j = 0; j < k8; j += 8) s = _mm256_fmadd_ps(widen8<kBf16>(a + j), _mm256_loadu_ps(x + j), s);
    y[i] = tail_sum<kBf16>(a, x, k8, k, hsum8(s));
  }
}

// F16C from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports has no "f16c".
bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}

bool detect(QuantPath p) {
  __builtin_cpu_init();
  switch (p) {
    case QuantPath::kPortable: return true;
    case QuantPath::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
    case QuantPath::kAvx512Vnni:
      return detect(QuantPath::kAvx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

QuantPath detected_path() {
  const char* env = std::getenv("PRIMER_KERNELS");
  const std::string_view cap = env ? env : "";
  if (cap == "portable") return QuantPath::kPortable;
  if (cap != "avx2" && detect(QuantPath::kAvx512Vnni)) return QuantPath::kAvx512Vnni;
  return detect(QuantPath::kAvx2) ? QuantPath::kAvx2 : QuantPath::kPortable;
}

const QuantPath kDetectedPath = detected_path();
std::atomic<QuantPath> g_path{kDetectedPath};

}  // namespace

void quantize_input_q8_0(const float* x, int64_t n, BlockQ8_0* out) {
  if (g_path.load(std::memory_order_relaxed) == QuantPath::kPortable) quantize_input_portable(x, n, out);
  else quantize_input_avx2(x, n, out);
}

std::string_view quant_path_name(QuantPath p) {
  switch (p) {
    case QuantPath::kPortable: return "portable";
    case QuantPath::kAvx2: return "avx2";
    case QuantPath::kAvx512Vnni: return "avx512vnni";
  }
  return "?";
}

QuantPath quant_path() { return g_path.load(std::memory_order_relaxed); }
bool quant_path_available(QuantPath p) { return detect(p); }

void force_quant_path(std::optional<QuantPath> p) {
  if (p && !detect(*p))
    throw std::invalid_argument("this CPU cannot run the " + std::string(quant_path_name(*p)) + " path");
  g_path.store(p.value_or(kDetectedPath));
}

namespace {

using Q8Rows = void (*)(float*, const uint8_t*, size_t, const BlockQ8_0*, int64_t, int64_t, int);

// Rows r0..r1 of y = W·x on `path`; xq: x quantized when W is q8_0.
void rows_of(const WeightMatrix& w, float* y, const float* x, const BlockQ8_0* xq, QuantPath path, int64_t r0,
             int64_t r1) {
  const int k = w.cols;
  const auto* bytes = static_cast<const uint8_t*>(w.data);
  const size_t stride = row_bytes(w.type, k);
  switch (w.type) {
    case WeightType::kF32:  // the float32 kernel has its own AVX2 / portable choice (vmath.h)
      kernels::matvec(y + r0, static_cast<const float*>(w.data) + r0 * k, x, static_cast<int>(r1 - r0), k);
      return;
    case WeightType::kQ8_0: {
      const Q8Rows rows = path == QuantPath::kAvx512Vnni ? rows_q8_0_vnni
                          : path == QuantPath::kAvx2     ? rows_q8_0_avx2
                                                         : rows_q8_0_portable;
      rows(y, bytes, stride, xq, r0, r1, k);
      return;
    }
    case WeightType::kF16:
      if (path == QuantPath::kPortable) rows_half_portable(y, bytes, stride, x, r0, r1, k, fp16_to_fp32);
      else rows_half_avx2<false>(y, bytes, stride, x, r0, r1, k);
      return;
    case WeightType::kBF16:
      if (path == QuantPath::kPortable) rows_half_portable(y, bytes, stride, x, r0, r1, k, bf16_to_fp32);
      else rows_half_avx2<true>(y, bytes, stride, x, r0, r1, k);
      return;
  }
}

}  // namespace

void matvec(float* y, const WeightMatrix& w, const float* x, MatvecScratch& scratch) {
  matvec_many({{y, &w}}, x, scratch);
}

void matvec_many(std::initializer_list<MatvecOut> outs, const float* x, MatvecScratch& scratch) {
  if (outs.size() == 0) return;
  const int k = outs.begin()->w->cols;
  int64_t total = 0;
  bool q8 = false;
  for (const MatvecOut& o : outs) {
    if (o.w->cols != k) throw std::invalid_argument("matvec_many: matrices of different widths");
    total += o.w->rows;
    q8 = q8 || o.w->type == WeightType::kQ8_0;
  }
  const QuantPath path = quant_path();
  const BlockQ8_0* xq = nullptr;
  if (q8) {
    scratch.xq.resize(static_cast<size_t>(k / kQ8Block));
    quantize_input_q8_0(x, k, scratch.xq.data());
    xq = scratch.xq.data();
  }
  // About 64K weights per task, as kernels::matvec: big enough to pay for the task. The
  // rows of all matrices form one range; a task may span two matrices.
  const int64_t grain = std::max<int64_t>(4, (65536 / std::max(k, 1)) / 4 * 4);
  parallel_rows(total, grain, [&](int64_t r0, int64_t r1) {
    int64_t base = 0;
    for (const MatvecOut& o : outs) {
      const int64_t a = std::max(r0, base), b = std::min(r1, base + o.w->rows);
      if (a < b) rows_of(*o.w, o.y, x, xq, path, a - base, b - base);
      base += o.w->rows;
    }
  });
}

void matvec_reference(float* y, const WeightMatrix& w, const float* x) {
  const int m = w.rows, k = w.cols;
  const auto* bytes = static_cast<const uint8_t*>(w.data);
  const size_t stride = row_bytes(w.type, k);
  std::vector<BlockQ8_0> xq;
  if (w.type == WeightType::kQ8_0) {
    xq.resize(static_cast<size_t>(k / kQ8Block));
    quantize_input_portable(x, k, xq.data());
  }
  std::vector<float> row(static_cast<size_t>(k));
  for (int i = 0; i < m; ++i) {
    double s = 0;
    if (w.type == WeightType::kQ8_0) {
      const auto* blocks = reinterpret_cast<const BlockQ8_0*>(bytes + i * stride);
      for (int b = 0; b < k / kQ8Block; ++b) {
        int64_t dot = 0;
        for (int j = 0; j < kQ8Block; ++j) dot += static_cast<int64_t>(blocks[b].q[j]) * xq[b].q[j];
        s += static_cast<double>(fp16_to_fp32(blocks[b].d)) * fp16_to_fp32(xq[b].d) * static_cast<double>(dot);
      }
    } else {
      dequantize_row(w.type, bytes + i * stride, k, row.data());
      for (int j = 0; j < k; ++j) s += static_cast<double>(row[j]) * x[j];
    }
    y[i] = static_cast<float>(s);
  }
}

}  // namespace primer::model::kernels
