#include "model/kernels/cross_entropy.h"

#include <cmath>

#include "model/kernels/parallel.h"

namespace primer::model::kernels {

namespace {
// Returns log Σ exp(row) computed stably.
template <typename T>
T log_sum_exp(const T* row, int v) {
  T mx = row[0];
  for (int j = 1; j < v; ++j) mx = row[j] > mx ? row[j] : mx;
  T sum = 0;
  for (int j = 0; j < v; ++j) sum += std::exp(row[j] - mx);
  return mx + std::log(sum);
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
      const T lse = log_sum_exp(row, v);
      losses[i] = lse - row[targets[i]];
      for (int j = 0; j < v; ++j) row[j] = std::exp(row[j] - lse) * scale;
      row[targets[i]] -= scale;
    }
  });
}

template void cross_entropy_forward<float>(float*, const float*, const int32_t*, int, int);
template void cross_entropy_forward<double>(double*, const double*, const int32_t*, int, int);
template void cross_entropy_forward_backward<float>(float*, float*, const int32_t*, int, int, float);
template void cross_entropy_forward_backward<double>(double*, double*, const int32_t*, int, int, double);

}  // namespace primer::model::kernels
