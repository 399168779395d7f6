// Matrix multiplication, the hot path of training and inference.
//
//   C (M,N) = A (M,K) · B (K,N)        or, with accumulate, C += A · B
//
// Every operand is a strided view: element (i, j) of A is a[i * a.row + j * a.col], so
// the transposes the model needs (x · Wᵀ, dy · W, dyᵀ · x) are views, not copies.
//
// The fast path is BLIS-shaped: B is packed into 16-column panels, A into 6-row panels
// (zero-padded at the edges, so odd shapes need no special kernels), and a 6×16
// micro-kernel keeps 12 AVX2 accumulators in registers with FMA. It is chosen at run
// time when the CPU has AVX2 and FMA; on a CPU with AVX-512F a 6×32 micro-kernel takes
// two neighbouring panels at once in 12 AVX-512 accumulators (twice the FMA width, the
// same packing, the same bits). A portable micro-kernel with the same packing serves
// other CPUs. PRIMER_KERNELS=portable or =avx2 forces the lesser paths, for tests and
// comparisons.
//
// Determinism: each C element is one FMA chain over k in increasing order, in blocks
// that depend on K alone, whatever the tiling and thread count, so results are
// bit-identical across thread counts. `matmul` parallelises over C tiles with oneTBB; `matmul_serial` runs on
// the calling thread (for use inside an outer parallel loop, e.g. one attention head).
//
// Scratch: packing buffers are per thread and grow to the largest shape seen, so after
// the first training step no call allocates.
#pragma once

#include <cstdint>

namespace primer::model::kernels {

template <typename T>
struct View {
  T* data;
  int64_t row;  // stride between rows
  int64_t col;  // stride between columns
  T& at(int64_t i, int64_t j) const { return data[i * row + j * col]; }
};
using ConstView = View<const float>;

// Row-major (rows, cols) matrix with leading dimension ld, and its transpose.
inline ConstView rows(const float* p, int64_t ld) { return {p, ld, 1}; }
inline ConstView transposed(const float* p, int64_t ld) { return {p, 1, ld}; }

void matmul(float* c, int64_t ldc, ConstView a, ConstView b, int m, int n, int k, bool accumulate);
void matmul_serial(float* c, int64_t ldc, ConstView a, ConstView b, int m, int n, int k, bool accumulate);

// Which micro-kernel runs: "avx512", "avx2-fma" or "portable".
const char* matmul_kernel_name();
// Tests: force the portable kernel and scalar vmath.h (true) or go back to the run-time
// choice (false).
void force_portable_kernels(bool portable);
// Tests and benchmarks: allow the AVX-512 tiles when the CPU has them (true, the
// default) or keep to the AVX2 kernel (false). Returns whether they now run.
bool allow_avx512_kernels(bool allowed);

// Naive triple loop (the test oracle), in float or double.
template <typename T>
void matmul_reference(T* c, int64_t ldc, View<const T> a, View<const T> b, int m, int n, int k, bool accumulate) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      T sum = 0;
      for (int p = 0; p < k; ++p) sum += a.at(i, p) * b.at(p, j);
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
    }
}

}  // namespace primer::model::kernels
