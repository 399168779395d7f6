#include "model/kernels/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <tbb/parallel_for.h>

#include "model/kernels/matmul.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {

namespace {

// Rows per causal block: a multiple of the micro-kernel's 6 rows and 16 columns.
constexpr int kCausalBlock = 48;

// fn(b0, b1) for the causal blocks [b0, b1) of 0..t.
template <typename Fn>
void for_causal_blocks(int t, Fn&& fn) {
  for (int b0 = 0; b0 < t; b0 += kCausalBlock) fn(b0, std::min(t, b0 + kCausalBlock));
}

// Row-wise causal softmax of scale · s (T, T) in place; zeros above the diagonal.
void causal_softmax(float* s, int t, float scale) {
  for (int i = 0; i < t; ++i) {
    float* row = s + static_cast<int64_t>(i) * t;
    const float mx = max_array(row, i + 1) * scale;  // scale > 0: the max of the scaled row
    const float sum = exp_scaled_sum(row, i + 1, scale, mx);
    scale_array(row, i + 1, 1.0f / sum);
    std::fill(row + i + 1, row + t, 0.0f);
  }
}

thread_local std::vector<float> tls_dp;  // (T, T) scratch of the backward

}  // namespace

void attention_forward(float* out, float* probs, const float* q, const float* k, const float* v,
                       const AttentionShape& s) {
  const int64_t qw = s.q_width(), kw = s.kv_width(), tt = static_cast<int64_t>(s.t) * s.t;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_size));
  tbb::parallel_for(0, s.b * s.n_heads, [&](int bh) {
    const int b = bh / s.n_heads, h = bh % s.n_heads, kvh = h / s.group();
    const float* qh = q + b * s.t * qw + h * s.head_size;
    const float* kh = k + b * s.t * kw + kvh * s.head_size;
    const float* vh = v + b * s.t * kw + kvh * s.head_size;
    float* p = probs + bh * tt;
    float* oh = out + b * s.t * qw + h * s.head_size;
    // Causal: query rows r0..r1 only see keys 0..r1, so each row block multiplies the
    // keys up to its end (the entries it skips are exact zeros: the results are the
    // same bits as the full products).
    for_causal_blocks(s.t, [&](int r0, int r1) {
      // p[r0:r1, 0:r1] = qh[r0:r1] (HS) · khᵀ (HS, r1)
      matmul_serial(p + r0 * s.t, s.t, rows(qh + r0 * qw, qw), transposed(kh, kw), r1 - r0, r1, s.head_size, false);
    });
    causal_softmax(p, s.t, scale);
    for_causal_blocks(s.t, [&](int r0, int r1) {
      // out_h[r0:r1] = p[r0:r1, 0:r1] · vh[0:r1]
      matmul_serial(oh + r0 * qw, qw, rows(p + r0 * s.t, s.t), rows(vh, kw), r1 - r0, s.head_size, r1, false);
    });
  });
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                        const float* v, const float* probs, const AttentionShape& s) {
  const int64_t qw = s.q_width(), kw = s.kv_width(), tt = static_cast<int64_t>(s.t) * s.t;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_size));
  // One task per (batch, KV head): it owns dk and dv of that head, so the query heads of
  // its group add into them without races, in a fixed order.
  tbb::parallel_for(0, s.b * s.n_kv_heads, [&](int bk) {
    const int b = bk / s.n_kv_heads, kvh = bk % s.n_kv_heads;
    if (tls_dp.size() < static_cast<size_t>(tt)) tls_dp.resize(tt);
    float* dp = tls_dp.data();
    const float* kh = k + b * s.t * kw + kvh * s.head_size;
    const float* vh = v + b * s.t * kw + kvh * s.head_size;
    float* dkh = dk + b * s.t * kw + kvh * s.head_size;
    float* dvh = dv + b * s.t * kw + kvh * s.head_size;
    for (int g = 0; g < s.group(); ++g) {
      const int h = kvh * s.group() + g;
      const float* p = probs + (static_cast<int64_t>(b) * s.n_heads + h) * tt;
      const float* qh = q + b * s.t * qw + h * s.head_size;
      const float* doh = dout + b * s.t * qw + h * s.head_size;
      const bool acc = g > 0;
      // Causal blocks as in the forward: query rows b0..b1 need keys 0..b1 (dp, dq);
      // key rows b0..b1 need queries b0..T (dv, dk). Skipped terms are exact zeros.
      // forward: out = p · v  →  dp = dout · vᵀ,  dv += pᵀ · dout
      for_causal_blocks(s.t, [&](int b0, int b1) {
        matmul_serial(dp + b0 * s.t, s.t, rows(doh + b0 * qw, qw), transposed(vh, kw), b1 - b0, b1, s.head_size, false);
        matmul_serial(dvh + b0 * kw, kw, transposed(p + b0 * s.t + b0, s.t), rows(doh + b0 * qw, qw), b1 - b0,
                      s.head_size, s.t - b0, acc);
      });
      // forward: p = softmax(scale · qkᵀ)  →  ds = p ⊙ (dp - Σ_j dp·p) · scale
      for (int i = 0; i < s.t; ++i) {
        float* dr = dp + static_cast<int64_t>(i) * s.t;
        const float* pr = p + static_cast<int64_t>(i) * s.t;
        const float dot = dot_array(dr, pr, i + 1);
        for (int j = 0; j <= i; ++j) dr[j] = pr[j] * (dr[j] - dot) * scale;
        std::fill(dr + i + 1, dr + s.t, 0.0f);
      }
      // forward: s = q · kᵀ  →  dq = ds · k,  dk += dsᵀ · q
      float* dqh = dq + b * s.t * qw + h * s.head_size;
      for_causal_blocks(s.t, [&](int b0, int b1) {
        matmul_serial(dqh + b0 * qw, qw, rows(dp + b0 * s.t, s.t), rows(kh, kw), b1 - b0, s.head_size, b1, false);
        matmul_serial(dkh + b0 * kw, kw, transposed(dp + b0 * s.t + b0, s.t), rows(qh + b0 * qw, qw), b1 - b0,
                      s.head_size, s.t - b0, acc);
      });
    }
  });
}

template <typename T>
void attention_forward_reference(T* out, T* probs, const T* q, const T* k, const T* v, const AttentionShape& s) {
  const int64_t qw = s.q_width(), kw = s.kv_width(), tt = static_cast<int64_t>(s.t) * s.t;
  const T scale = T(1) / std::sqrt(static_cast<T>(s.head_size));
  for (int b = 0; b < s.b; ++b)
    for (int h = 0; h < s.n_heads; ++h) {
      const int kvh = h / s.group();
      T* p = probs + (static_cast<int64_t>(b) * s.n_heads + h) * tt;
      for (int i = 0; i < s.t; ++i) {
        const T* qi = q + (b * s.t + i) * qw + h * s.head_size;
        T mx = -INFINITY;
        for (int j = 0; j <= i; ++j) {
          const T* kj = k + (b * s.t + j) * kw + kvh * s.head_size;
          T dot = 0;
          for (int d = 0; d < s.head_size; ++d) dot += qi[d] * kj[d];
          p[i * s.t + j] = dot * scale;
          mx = std::max(mx, p[i * s.t + j]);
        }
        T sum = 0;
        for (int j = 0; j <= i; ++j) sum += p[i * s.t + j] = std::exp(p[i * s.t + j] - mx);
        for (int j = 0; j < s.t; ++j) p[i * s.t + j] = j <= i ? p[i * s.t + j] / sum : T(0);
        T* oi = out + (b * s.t + i) * qw + h * s.head_size;
        for (int d = 0; d < s.head_size; ++d) {
          T acc = 0;
          for (int j = 0; j <= i; ++j) acc += p[i * s.t + j] * v[(b * s.t + j) * kw + kvh * s.head_size + d];
          oi[d] = acc;
        }
      }
    }
}

template <typename T>
void attention_backward_reference(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v,
                                  const T* probs, const AttentionShape& s) {
  const int64_t qw = s.q_width(), kw = s.kv_width(), tt = static_cast<int64_t>(s.t) * s.t;
  const T scale = T(1) / std::sqrt(static_cast<T>(s.head_size));
  std::fill(dq, dq + static_cast<int64_t>(s.b) * s.t * qw, T(0));
  std::fill(dk, dk + static_cast<int64_t>(s.b) * s.t * kw, T(0));
  std::fill(dv, dv + static_cast<int64_t>(s.b) * s.t * kw, T(0));
  std::vector<T> dp(s.t);
  for (int b = 0; b < s.b; ++b)
    for (int h = 0; h < s.n_heads; ++h) {
      const int kvh = h / s.group();
      const T* p = probs + (static_cast<int64_t>(b) * s.n_heads + h) * tt;
      for (int i = 0; i < s.t; ++i) {
        const T* doi = dout + (b * s.t + i) * qw + h * s.head_size;
        T dot = 0;
        for (int j = 0; j <= i; ++j) {
          const T* vj = v + (b * s.t + j) * kw + kvh * s.head_size;
          T* dvj = dv + (b * s.t + j) * kw + kvh * s.head_size;
          dp[j] = 0;
          for (int d = 0; d < s.head_size; ++d) {
            dp[j] += doi[d] * vj[d];
            dvj[d] += p[i * s.t + j] * doi[d];
          }
          dot += dp[j] * p[i * s.t + j];
        }
        const T* qi = q + (b * s.t + i) * qw + h * s.head_size;
        T* dqi = dq + (b * s.t + i) * qw + h * s.head_size;
        for (int j = 0; j <= i; ++j) {
          const T ds = p[i * s.t + j] * (dp[j] - dot) * scale;
          const T* kj = k + (b * s.t + j) * kw + kvh * s.head_size;
          T* dkj = dk + (b * s.t + j) * kw + kvh * s.head_size;
          for (int d = 0; d < s.head_size; ++d) {
            dqi[d] += ds * kj[d];
            dkj[d] += ds * qi[d];
          }
        }
      }
    }
}

namespace {

#define PRIMER_AVX2 __attribute__((target("avx2,fma")))

// lane i of the result: the sum of a_i's 8 lanes, ((0+1)+(2+3)) + ((4+5)+(6+7))
PRIMER_AVX2 inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// kV = hs / 8 vectors of q and of out in registers
template <int kV>
PRIMER_AVX2 void decode_avx2(float* out, float* scores, const float* q, const float* keys, const float* values, int n,
                             int64_t stride, float scale) {
  __m256 qv[kV];
  for (int c = 0; c < kV; ++c) qv[c] = _mm256_loadu_ps(q + 8 * c);
  int t = 0;
  for (; t + 4 <= n; t += 4) {  // four positions at a time: independent FMA chains, one reduction
    const float* k0 = keys + t * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int c = 0; c < kV; ++c) {
      a0 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k0 + 8 * c), a0);
      a1 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k0 + stride + 8 * c), a1);
      a2 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k0 + 2 * stride + 8 * c), a2);
      a3 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k0 + 3 * stride + 8 * c), a3);
    }
    _mm_storeu_ps(scores + t, hsum4(a0, a1, a2, a3));
  }
  for (; t < n; ++t) {  // the same sum in the same order, one position
    const float* k0 = keys + t * stride;
    __m256 a = _mm256_setzero_ps();
    for (int c = 0; c < kV; ++c) a = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k0 + 8 * c), a);
    scores[t] = _mm_cvtss_f32(hsum4(a, a, a, a));
  }
  const float mx = max_array(scores, n);
  const float sum = exp_scaled_sum(scores, n, scale, mx * scale);
  __m256 acc[kV];
  for (int c = 0; c < kV; ++c) acc[c] = _mm256_setzero_ps();
  for (t = 0; t < n; ++t) {
    const __m256 p = _mm256_set1_ps(scores[t] / sum);
    const float* v = values + t * stride;
    for (int c = 0; c < kV; ++c) acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 8 * c), acc[c]);
  }
  for (int c = 0; c < kV; ++c) _mm256_storeu_ps(out + 8 * c, acc[c]);
}

#undef PRIMER_AVX2

using DecodeFn = void (*)(float*, float*, const float*, const float*, const float*, int, int64_t, float);
constexpr DecodeFn kDecode[] = {nullptr,        decode_avx2<1>, decode_avx2<2>, decode_avx2<3>, decode_avx2<4>,
                                decode_avx2<5>, decode_avx2<6>, decode_avx2<7>, decode_avx2<8>};

}  // namespace

void attention_decode(float* out, float* scores, const float* q, const float* keys, const float* values, int n,
                      int64_t stride, int hs, float scale) {
  if (vector_math_enabled() && hs % 8 == 0 && hs / 8 >= 1 && hs / 8 <= 8)
    return kDecode[hs / 8](out, scores, q, keys, values, n, stride, scale);
  for (int t = 0; t < n; ++t) scores[t] = dot_array(q, keys + t * stride, hs);
  const float mx = max_array(scores, n);
  const float sum = exp_scaled_sum(scores, n, scale, mx * scale);
  std::fill(out, out + hs, 0.0f);
  for (int t = 0; t < n; ++t) axpy_array(out, scores[t] / sum, values + t * stride, hs);
}

void attention_decode_reference(float* out, const float* q, const float* keys, const float* values, int n,
                                int64_t stride, int hs, float scale) {
  std::vector<double> s(static_cast<size_t>(n));
  double mx = -INFINITY, sum = 0;
  for (int t = 0; t < n; ++t) {
    double d = 0;
    for (int j = 0; j < hs; ++j) d += static_cast<double>(q[j]) * keys[t * stride + j];
    s[t] = d * scale;
    mx = std::max(mx, s[t]);
  }
  for (int t = 0; t < n; ++t) sum += (s[t] = std::exp(s[t] - mx));
  for (int j = 0; j < hs; ++j) {
    double o = 0;
    for (int t = 0; t < n; ++t) o += s[t] / sum * values[t * stride + j];
    out[j] = static_cast<float>(o);
  }
}

template void attention_forward_reference<float>(float*, float*, const float*, const float*, const float*,
                                                 const AttentionShape&);
template void attention_forward_reference<double>(double*, double*, const double*, const double*, const double*,
                                                  const AttentionShape&);
template void attention_backward_reference<float>(float*, float*, float*, const float*, const float*, const float*,
                                                  const float*, const float*, const AttentionShape&);
template void attention_backward_reference<double>(double*, double*, double*, const double*, const double*,
                                                   const double*, const double*, const double*, const AttentionShape&);

}  // namespace primer::model::kernels
