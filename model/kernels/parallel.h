// Small helpers shared by the kernels: a parallel loop over row ranges.
#pragma once

#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace primer::model::kernels {

// fn(begin, end) over [0, n) in chunks of about `grain`; serial when n is small.
template <typename Fn>
void parallel_rows(int64_t n, int64_t grain, Fn&& fn) {
  if (n <= grain) {
    fn(int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { fn(r.begin(), r.end()); });
}

// dst[0..n) = src[0..n) on all threads (the residual copies of a training step).
template <typename T>
void parallel_copy(const T* src, int64_t n, T* dst) {
  parallel_rows(n, 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dst[i] = src[i];
  });
}

// x[0..n) = value on all threads.
template <typename T>
void parallel_fill(T* x, int64_t n, T value) {
  parallel_rows(n, 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) x[i] = value;
  });
}

}  // namespace primer::model::kernels
