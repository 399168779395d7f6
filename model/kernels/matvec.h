// Matrix–vector product for decoding one token: y (M) = W (M, K) · x (K), W row-major.
// The AVX2+FMA path (chosen at run time like the matmul's) runs 4 rows at a time with
// 8-wide FMAs; rows are split across threads when M·K is large. The naive reference is
// matmul_reference with one column.
#pragma once

#include <cstdint>

namespace primer::model::kernels {

void matvec(float* y, const float* w, const float* x, int m, int k);

}  // namespace primer::model::kernels
