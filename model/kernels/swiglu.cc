#include "model/kernels/swiglu.h"

#include <cmath>
#include <type_traits>

#include "model/kernels/parallel.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {

template <typename T>
void swiglu_forward(T* g, const T* h1, const T* h3, int64_t n) {
  parallel_rows(n, 16384, [&](int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) {
      swiglu_forward_f32(g + begin, h1 + begin, h3 + begin, end - begin);
    } else {
      for (int64_t i = begin; i < end; ++i) {
        const T s = T(1) / (T(1) + std::exp(-h1[i]));
        g[i] = h1[i] * s * h3[i];
      }
    }
  });
}

template <typename T>
void swiglu_backward(T* dh1, T* dh3, const T* dg, const T* h1, const T* h3, int64_t n) {
  // forward: g = h1 · σ(h1) · h3;  d silu(x)/dx = σ(x) · (1 + x · (1 - σ(x)))
  parallel_rows(n, 16384, [&](int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) {
      swiglu_backward_f32(dh1 + begin, dh3 + begin, dg + begin, h1 + begin, h3 + begin, end - begin);
    } else {
      for (int64_t i = begin; i < end; ++i) {
        const T s = T(1) / (T(1) + std::exp(-h1[i]));
        const T silu = h1[i] * s;
        dh3[i] = dg[i] * silu;
        dh1[i] = dg[i] * h3[i] * s * (T(1) + h1[i] * (T(1) - s));
      }
    }
  });
}

template void swiglu_forward<float>(float*, const float*, const float*, int64_t);
template void swiglu_forward<double>(double*, const double*, const double*, int64_t);
template void swiglu_backward<float>(float*, float*, const float*, const float*, const float*, int64_t);
template void swiglu_backward<double>(double*, double*, const double*, const double*, const double*, int64_t);

}  // namespace primer::model::kernels
