#include "model/kernels/cross_entropy.h"

#include <cmath>
#include <type_traits>

#include "model/kernels/parallel.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {

namespace {
// Returns log Σ exp(row) computed stably.
template <typename T>
T log_sum_exp(const T* row, int v) {
  if constexpr (std::is_same_v<T, float>) {
    const float mx = max_array(row, v);
    return mx + std::log(sum_exp(row, v, mx));
  } else {
    T mx = row[0];
    for (int j = 1; j < v; ++j) mx = row[j] > mx ? row[j] : mx;
    T sum = 0;
    for (int j = 0; j < v; ++j) sum += std::exp(row[j] - mx);
    return mx + std::log(sum);
  }
}
}  // namespace

template <typename T>
void cross_entropy_forward(T* losses, const T* logits, const int32_t* targets, int n, int v) {
  parallel_rows(n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* row = logits + i * v;
      losses[i] = log_sum_exp(row, v) - row[targets[i]];
    }
  });
}

template <typename T>
void cross_entropy_forward_backward(T* losses, T* logits, const int32_t* targets, int n, int v, T scale) {
  // loss = lse(z) - z_y;  d loss / d z_j = softmax(z)_j - [j = y]
  parallel_rows(n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T* row = logits + i * v;
      if constexpr (std::is_same_v<T, float>) {
        // one exp pass: row = exp(z - max), then scaled by 1/Σ (the same lse as log_sum_exp)
        const float mx = max_array(row, v), target = row[targets[i]];
        const float sum = exp_scaled_sum(row, v, 1.0f, mx);
        losses[i] = mx + std::log(sum) - target;
        scale_array(row, v, scale / sum);
      } else {
        const T lse = log_sum_exp(row, v);
        losses[i] = lse - row[targets[i]];
        for (int j = 0; j < v; ++j) row[j] = std::exp(row[j] - lse) * scale;
      }
      row[targets[i]] -= scale;
    }
  });
}

template void cross_entropy_forward<float>(float*, const float*, const int32_t*, int, int);
template void cross_entropy_forward<double>(double*, const double*, const int32_t*, int, int);
template void cross_entropy_forward_backward<float>(float*, float*, const int32_t*, int, int, float);
template void cross_entropy_forward_backward<double>(double*, double*, const int32_t*, int, int, double);

}  // namespace primer::model::kernels
