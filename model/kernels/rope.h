// Rotary position embedding on interleaved pairs, as in Meta's Llama and llama2.c's run.c:
// within each head, the pair (x[2i], x[2i+1]) at position t turns by the angle
// t · theta^(-2i / head_size). (GGUF's llama architecture uses the same adjacent pairs.)
#pragma once

#include <vector>

namespace primer::model::kernels {

// cos and sin tables (T, head_size / 2), computed as run.c does in float:
// freq = 1 / powf(theta, 2i / head_size), angle = t · freq.
struct RopeTable {
  int seq_len = 0, half = 0;
  std::vector<float> cos, sin;
  RopeTable() = default;
  RopeTable(int seq_len, int head_size, float theta);
};

// x (B, T, heads · head_size) rotated in place; positions start at `pos0`.
template <typename T>
void rope_forward(T* x, const float* cos, const float* sin, int b, int t, int heads, int head_size, int pos0 = 0);

// The inverse rotation: the backward of a rotation is its transpose.
template <typename T>
void rope_backward(T* dx, const float* cos, const float* sin, int b, int t, int heads, int head_size, int pos0 = 0);

}  // namespace primer::model::kernels
