#include "model/kernels/matvec.h"

#include <immintrin.h>

#include "model/kernels/parallel.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {
namespace {

void rows_portable(float* y, const float* w, const float* x, int64_t r0, int64_t r1, int k) {
  for (int64_t i = r0; i < r1; ++i) {
    const float* row = w + i * k;
    float s = 0;
    for (int j = 0; j < k; ++j) s += row[j] * x[j];
    y[i] = s;
  }
}

__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void rows_avx2(float* y, const float* w, const float* x, int64_t r0, int64_t r1,
                                                   int k) {
  const int k8 = k / 8 * 8;
  int64_t i = r0;
  for (; i + 4 <= r1; i += 4) {
    const float *a = w + i * k, *b = a + k, *c = b + k, *d = c + k;
    __m256 sa = _mm256_setzero_ps(), sb = sa, sc = sa, sd = sa;
    for (int j = 0; j < k8; j += 8) {
      const __m256 xv = _mm256_loadu_ps(x + j);
      sa = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), xv, sa);
      sb = _mm256_fmadd_ps(_mm256_loadu_ps(b + j), xv, sb);
      sc = _mm256_fmadd_ps(_mm256_loadu_ps(c + j), xv, sc);
      sd = _mm256_fmadd_ps(_mm256_loadu_ps(d + j), xv, sd);
    }
    float ra = hsum(sa), rb = hsum(sb), rc = hsum(sc), rd = hsum(sd);
    for (int j = k8; j < k; ++j) ra += a[j] * x[j], rb += b[j] * x[j], rc += c[j] * x[j], rd += d[j] * x[j];
    y[i] = ra, y[i + 1] = rb, y[i + 2] = rc, y[i + 3] = rd;
  }
  for (; i < r1; ++i) {
    const float* a = w + i * k;
    __m256 s = _mm256_setzero_ps();
    for (int j = 0; j < k8; j += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j), s);
    float r = hsum(s);
    for (int j = k8; j < k; ++j) r += a[j] * x[j];
    y[i] = r;
  }
}

using RowsFn = void (*)(float*, const float*, const float*, int64_t, int64_t, int);

const RowsFn kRows = cpu_has_avx2_fma() ? rows_avx2 : rows_portable;

}  // namespace

void matvec(float* y, const float* w, const float* x, int m, int k) {
  // About 64K multiply-adds per task: big enough to pay for the task, small enough to share.
  const int64_t grain = std::max<int64_t>(4, (65536 / std::max(k, 1)) / 4 * 4);
  parallel_rows(m, grain, [&](int64_t r0, int64_t r1) { kRows(y, w, x, r0, r1, k); });
}

}  // namespace primer::model::kernels
