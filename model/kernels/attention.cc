#include "model/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <tbb/parallel_for.h>

#include "model/kernels/matmul.h"

namespace primer::model::kernels {

namespace {

// Row-wise causal softmax of scale · s (T, T) in place; zeros above the diagonal.
void causal_softmax(float* s, int t, float scale) {
  for (int i = 0; i < t; ++i) {
    float* row = s + static_cast<int64_t>(i) * t;
    float mx = -INFINITY;
    for (int j = 0; j <= i; ++j) mx = std::max(mx, row[j] * scale);
    float sum = 0;
    for (int j = 0; j <= i; ++j) {
      row[j] = std::exp(row[j] * scale - mx);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j <= i; ++j) row[j] *= inv;
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
    // p (T, T) = qh (T, HS) · khᵀ (HS, T)
    matmul_serial(p, s.t, rows(qh, qw), transposed(kh, kw), s.t, s.t, s.head_size, false);
    causal_softmax(p, s.t, scale);
    // out_h (T, HS) = p (T, T) · vh (T, HS)
    matmul_serial(out + b * s.t * qw + h * s.head_size, qw, rows(p, s.t), rows(vh, kw), s.t, s.head_size, s.t, false);
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
      // forward: out = p · v  →  dp = dout · vᵀ,  dv += pᵀ · dout
      matmul_serial(dp, s.t, rows(doh, qw), transposed(vh, kw), s.t, s.t, s.head_size, false);
      matmul_serial(dvh, kw, transposed(p, s.t), rows(doh, qw), s.t, s.head_size, s.t, acc);
      // forward: p = softmax(scale · qkᵀ)  →  ds = p ⊙ (dp - Σ_j dp·p) · scale
      for (int i = 0; i < s.t; ++i) {
        float* dr = dp + static_cast<int64_t>(i) * s.t;
        const float* pr = p + static_cast<int64_t>(i) * s.t;
        float dot = 0;
        for (int j = 0; j <= i; ++j) dot += dr[j] * pr[j];
        for (int j = 0; j <= i; ++j) dr[j] = pr[j] * (dr[j] - dot) * scale;
        std::fill(dr + i + 1, dr + s.t, 0.0f);
      }
      // forward: s = q · kᵀ  →  dq = ds · k,  dk += dsᵀ · q
      matmul_serial(dq + b * s.t * qw + h * s.head_size, qw, rows(dp, s.t), rows(kh, kw), s.t, s.head_size, s.t,
                    false);
      matmul_serial(dkh, kw, transposed(dp, s.t), rows(qh, qw), s.t, s.head_size, s.t, acc);
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

template void attention_forward_reference<float>(float*, float*, const float*, const float*, const float*,
                                                 const AttentionShape&);
template void attention_forward_reference<double>(double*, double*, const double*, const double*, const double*,
                                                  const AttentionShape&);
template void attention_backward_reference<float>(float*, float*, float*, const float*, const float*, const float*,
                                                  const float*, const float*, const AttentionShape&);
template void attention_backward_reference<double>(double*, double*, double*, const double*, const double*,
                                                   const double*, const double*, const double*,
                                                   const AttentionShape&);

}  // namespace primer::model::kernels
