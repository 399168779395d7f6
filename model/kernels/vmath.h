// Vectorised float math for the elementwise kernels (softmax, cross-entropy, SwiGLU):
// 8 lanes of AVX2+FMA when the CPU has them and PRIMER_KERNELS is not "portable"
// (chosen at run time, with the matmul's micro-kernel), std:: scalar code otherwise.
//
// exp is a Cephes-style range reduction (x = n·ln2 + r) with a degree-6 polynomial:
// within 2 ulp of std::exp over [-87.3, 88.3] (tested); inputs are clamped to that range,
// so exp(-1000) gives about 1e-38 instead of 0 and exp(1000) gives exp(88.3); NaN stays
// NaN everywhere (max included), so a diverging run still shows a NaN loss. Sums run
// in 8 lanes combined in a fixed order: results depend on n alone, never on threads.
#pragma once

#include <cstdint>

namespace primer::model::kernels {

// The CPU has AVX2 and FMA and PRIMER_KERNELS is not "portable": the one run-time choice
// behind the matmul's micro-kernel, the matrix-vector kernel and these functions.
bool cpu_has_avx2_fma();
// The CPU also has AVX-512F and PRIMER_KERNELS is neither "portable" nor "avx2": the
// matmul then runs 6×32 micro-tiles with 16-float vectors (twice the FMA width).
bool cpu_has_avx512();
// true when the AVX2+FMA paths run.
bool vector_math_enabled();
// Tests: force the scalar paths (true) or go back to the run-time choice (false).
void force_scalar_math(bool scalar);

// y[i] = exp(x[i]) (y may be x).
void exp_array(float* y, const float* x, int64_t n);
// max of x[0..n), n >= 1; NaN if any element is NaN.
float max_array(const float* x, int64_t n);
// x[i] = exp(x[i] · scale - shift); returns Σ x[i].
float exp_scaled_sum(float* x, int64_t n, float scale, float shift);
// Σ exp(x[i] - shift), the same sum as exp_scaled_sum(x, n, 1, shift) without storing.
float sum_exp(const float* x, int64_t n, float shift);
// Σ a[i]·b[i] (8 lanes, fixed order).
float dot_array(const float* a, const float* b, int64_t n);
// x[i] *= a.
void scale_array(float* x, int64_t n, float a);
// y[i] += a · x[i] (one FMA each on the AVX2 path).
void axpy_array(float* y, float a, const float* x, int64_t n);

// SwiGLU on float arrays (see swiglu.h): g = h1 · σ(h1) · h3, and its backward.
void swiglu_forward_f32(float* g, const float* h1, const float* h3, int64_t n);
void swiglu_backward_f32(float* dh1, float* dh3, const float* dg, const float* h1, const float* h3, int64_t n);

}  // namespace primer::model::kernels
