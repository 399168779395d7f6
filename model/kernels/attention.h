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

}  // namespace primer::model::kernels
