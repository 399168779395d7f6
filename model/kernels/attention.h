// Causal multi-head attention with optional grouped KV heads (n_heads a multiple of
// n_kv_heads; query head h reads KV head h / (n_heads / n_kv_heads)).
//
//   q (B, T, NH·HS), k and v (B, T, NKV·HS), after RoPE
//   probs (B, NH, T, T) = softmax(q kᵀ / sqrt(HS)) over j ≤ t; entries j > t are 0
//   out (B, T, NH·HS) = probs · v
//
// The fast path runs each (batch, head) as matmuls on the packed micro-kernel; the
// naive loops (attention_*_reference) are its oracle and, in double, the
// finite-difference target.
#pragma once

#include <cstdint>

namespace primer::model::kernels {

struct AttentionShape {
  int b, t, n_heads, n_kv_heads, head_size;
  int q_width() const { return n_heads * head_size; }
  int kv_width() const { return n_kv_heads * head_size; }
  int group() const { return n_heads / n_kv_heads; }
};

void attention_forward(float* out, float* probs, const float* q, const float* k, const float* v,
                       const AttentionShape& s);
// dq, dk, dv are overwritten. dout (B, T, NH·HS).
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                        const float* v, const float* probs, const AttentionShape& s);

template <typename T>
void attention_forward_reference(T* out, T* probs, const T* q, const T* k, const T* v, const AttentionShape& s);
template <typename T>
void attention_backward_reference(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v,
                                  const T* probs, const AttentionShape& s);

// Decoding: one query row q (hs) against the n cached positions 0..n-1 of its KV head,
// key and value rows `stride` floats apart (the KV cache's row width):
//   out (hs) = softmax(scale · q·kᵀ) · v
// scores (n) is scratch; it is left holding the unnormalised weights exp(scale·(q·k − max)).
// The AVX2 path (head sizes 8..64 in steps of 8) keeps q and out in registers and reduces
// four scores at a time; other sizes and the portable path use the vmath.h helpers.
void attention_decode(float* out, float* scores, const float* q, const float* keys, const float* values, int n,
                      int64_t stride, int hs, float scale);
// Its oracle: the same in double, one position at a time.
void attention_decode_reference(float* out, const float* q, const float* keys, const float* values, int n,
                                int64_t stride, int hs, float scale);

}  // namespace primer::model::kernels
