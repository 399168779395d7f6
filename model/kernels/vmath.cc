#include "model/kernels/vmath.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace primer::model::kernels {

bool cpu_has_avx2_fma() {
  static const bool yes = [] {
    const char* env = std::getenv("PRIMER_KERNELS");
    if (env && std::strcmp(env, "portable") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
}

bool cpu_has_avx512() {
  static const bool yes = [] {
    const char* env = std::getenv("PRIMER_KERNELS");
    if (env && std::strcmp(env, "avx2") == 0) return false;
    return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f");
  }();
  return yes;
}

namespace {

const bool kDetected = cpu_has_avx2_fma();
std::atomic<bool> g_vector{kDetected};

constexpr float kExpHi = 88.3762626647949f, kExpLo = -87.3365447504019f;

// The scalar paths clamp like the vector ones.
inline float exp_clamped(float x) { return std::exp(std::clamp(x, kExpLo, kExpHi)); }

#define PRIMER_AVX2 __attribute__((target("avx2,fma")))

PRIMER_AVX2 inline __m256 exp8(__m256 x) {
  // x as the second operand: min/max return it when it is NaN, so NaN stays NaN.
  x = _mm256_min_ps(_mm256_set1_ps(kExpHi), _mm256_max_ps(_mm256_set1_ps(kExpLo), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = x - n·ln2, ln2 in two parts so that n·C1 is exact.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 r2 = _mm256_mul_ps(r, r);
  p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// The first n (< 8) lanes of x, the rest `fill`.
PRIMER_AVX2 inline __m256 load_partial(const float* x, int64_t n, float fill) {
  alignas(32) float t[8];
  for (int i = 0; i < 8; ++i) t[i] = i < n ? x[i] : fill;
  return _mm256_load_ps(t);
}
PRIMER_AVX2 inline void store_partial(float* y, __m256 v, int64_t n) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  for (int64_t i = 0; i < n; ++i) y[i] = t[i];
}
PRIMER_AVX2 inline float hsum(__m256 v) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}
PRIMER_AVX2 inline float hmax(__m256 v) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  return *std::max_element(t, t + 8);
}

PRIMER_AVX2 void exp_avx2(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) store_partial(y + i, exp8(load_partial(x + i, n - i, 0.0f)), n - i);
}

PRIMER_AVX2 float max_avx2(const float* x, int64_t n) {
  __m256 m = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    m = _mm256_max_ps(m, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  if (i < n) {
    const __m256 v = load_partial(x + i, n - i, -INFINITY);
    m = _mm256_max_ps(m, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  return _mm256_movemask_ps(nan) ? NAN : hmax(m);  // a NaN anywhere makes the max NaN
}

PRIMER_AVX2 float exp_scaled_sum_avx2(float* x, int64_t n, float scale, float shift) {
  const __m256 a = _mm256_set1_ps(scale), b = _mm256_set1_ps(shift);
  __m256 sum = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), a, b));
    _mm256_storeu_ps(x + i, e);
    sum = _mm256_add_ps(sum, e);
  }
  float total = hsum(sum);
  for (; i < n; ++i) {  // the tail one lane at a time: same polynomial, summed last
    const __m256 e = exp8(_mm256_set1_ps(x[i] * scale - shift));
    x[i] = _mm256_cvtss_f32(e);
    total += x[i];
  }
  return total;
}

PRIMER_AVX2 float sum_exp_avx2(const float* x, int64_t n, float shift) {
  const __m256 b = _mm256_set1_ps(shift);
  __m256 sum = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) sum = _mm256_add_ps(sum, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), b)));
  float total = hsum(sum);
  for (; i < n; ++i) total += _mm256_cvtss_f32(exp8(_mm256_set1_ps(x[i] - shift)));
  return total;
}

PRIMER_AVX2 float dot_avx2(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  if (i + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    i += 8;
  }
  float total = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

PRIMER_AVX2 void scale_avx2(float* x, int64_t n, float a) {
  const __m256 s = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), s));
  for (; i < n; ++i) x[i] *= a;
}

// σ(x) = 1 / (1 + exp(-x))
PRIMER_AVX2 inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

PRIMER_AVX2 void swiglu_forward_avx2(float* g, const float* h1, const float* h3, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(h1 + i);
    _mm256_storeu_ps(g + i, _mm256_mul_ps(_mm256_mul_ps(a, sigmoid8(a)), _mm256_loadu_ps(h3 + i)));
  }
  if (i < n) {
    const __m256 a = load_partial(h1 + i, n - i, 0.0f);
    store_partial(g + i, _mm256_mul_ps(_mm256_mul_ps(a, sigmoid8(a)), load_partial(h3 + i, n - i, 0.0f)), n - i);
  }
}

PRIMER_AVX2 inline void swiglu_backward8(__m256 dg, __m256 a, __m256 h3, __m256& dh1, __m256& dh3) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 s = sigmoid8(a);
  dh3 = _mm256_mul_ps(dg, _mm256_mul_ps(a, s));
  // dg · h3 · s · (1 + a · (1 - s))
  dh1 = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dg, h3), s), _mm256_fmadd_ps(a, _mm256_sub_ps(one, s), one));
}

PRIMER_AVX2 void swiglu_backward_avx2(float* dh1, float* dh3, const float* dg, const float* h1, const float* h3,
                                      int64_t n) {
  int64_t i = 0;
  __m256 d1, d3;
  for (; i + 8 <= n; i += 8) {
    swiglu_backward8(_mm256_loadu_ps(dg + i), _mm256_loadu_ps(h1 + i), _mm256_loadu_ps(h3 + i), d1, d3);
    _mm256_storeu_ps(dh1 + i, d1);
    _mm256_storeu_ps(dh3 + i, d3);
  }
  if (i < n) {
    swiglu_backward8(load_partial(dg + i, n - i, 0.0f), load_partial(h1 + i, n - i, 0.0f),
                     load_partial(h3 + i, n - i, 0.0f), d1, d3);
    store_partial(dh1 + i, d1, n - i);
    store_partial(dh3 + i, d3, n - i);
  }
}

}  // namespace

bool vector_math_enabled() { return g_vector.load(std::memory_order_relaxed); }
void force_scalar_math(bool scalar) { g_vector.store(scalar ? false : kDetected); }

void exp_array(float* y, const float* x, int64_t n) {
  if (vector_math_enabled()) return exp_avx2(y, x, n);
  for (int64_t i = 0; i < n; ++i) y[i] = exp_clamped(x[i]);
}

float max_array(const float* x, int64_t n) {
  if (vector_math_enabled()) return max_avx2(x, n);
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) {
    if (std::isnan(x[i])) return x[i];
    m = std::max(m, x[i]);
  }
  return m;
}

float exp_scaled_sum(float* x, int64_t n, float scale, float shift) {
  if (vector_math_enabled()) return exp_scaled_sum_avx2(x, n, scale, shift);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i] = exp_clamped(x[i] * scale - shift);
  return sum;
}

float sum_exp(const float* x, int64_t n, float shift) {
  if (vector_math_enabled()) return sum_exp_avx2(x, n, shift);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += exp_clamped(x[i] - shift);
  return sum;
}

PRIMER_AVX2 void axpy_avx2(float* y, float a, const float* x, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = std::fma(a, x[i], y[i]);
}

void axpy_array(float* y, float a, const float* x, int64_t n) {
  if (vector_math_enabled()) return axpy_avx2(y, a, x, n);
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float dot_array(const float* a, const float* b, int64_t n) {
  if (vector_math_enabled()) return dot_avx2(a, b, n);
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void scale_array(float* x, int64_t n, float a) {
  if (vector_math_enabled()) return scale_avx2(x, n, a);
  for (int64_t i = 0; i < n; ++i) x[i] *= a;
}

void swiglu_forward_f32(float* g, const float* h1, const float* h3, int64_t n) {
  if (vector_math_enabled()) return swiglu_forward_avx2(g, h1, h3, n);
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.0f / (1.0f + exp_clamped(-h1[i]));
    g[i] = h1[i] * s * h3[i];
  }
}

void swiglu_backward_f32(float* dh1, float* dh3, const float* dg, const float* h1, const float* h3, int64_t n) {
  if (vector_math_enabled()) return swiglu_backward_avx2(dh1, dh3, dg, h1, h3, n);
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.0f / (1.0f + exp_clamped(-h1[i]));
    const float silu = h1[i] * s;
    dh3[i] = dg[i] * silu;
    dh1[i] = dg[i] * h3[i] * s * (1.0f + h1[i] * (1.0f - s));
  }
}

}  // namespace primer::model::kernels
