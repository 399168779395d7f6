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

}  // namespace primer::model::kernels
