// RMSNorm (Llama): y = x · rstd · w, rstd = 1 / sqrt(mean(x²) + eps), per row, no bias.
#pragma once

namespace primer::model::kernels {

// out (N, C), rstd (N) saved for the backward; x (N, C); w (C).
template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* x, const T* w, int n, int c, T eps);

// dx (N, C) = or += (accumulate) the input gradient; dw (C) += the weight gradient.
// dy (N, C); x, w, rstd as in the forward.
template <typename T>
void rmsnorm_backward(T* dx, T* dw, const T* dy, const T* x, const T* w, const T* rstd, int n, int c, bool accumulate);

}  // namespace primer::model::kernels
