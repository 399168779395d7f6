// SwiGLU gate of the Llama feed-forward block: g = silu(h1) ⊙ h3, silu(x) = x · σ(x).
#pragma once

#include <cstdint>

namespace primer::model::kernels {

// g, h1, h3: n elements each (N rows × hidden).
template <typename T>
void swiglu_forward(T* g, const T* h1, const T* h3, int64_t n);

// dh1, dh3 (overwritten) from dg; h1, h3 as in the forward.
template <typename T>
void swiglu_backward(T* dh1, T* dh3, const T* dg, const T* h1, const T* h3, int64_t n);

}  // namespace primer::model::kernels
