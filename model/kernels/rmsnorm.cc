#include "model/kernels/rmsnorm.h"

#include <cmath>
#include <type_traits>
#include <vector>

#include "model/kernels/parallel.h"
#include "model/kernels/vmath.h"

namespace primer::model::kernels {

template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* x, const T* w, int n, int c, T eps) {
  parallel_rows(n, 32, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* xi = x + i * c;
      T ss = 0;
      if constexpr (std::is_same_v<T, float>) ss = dot_array(xi, xi, c);
      else
        for (int j = 0; j < c; ++j) ss += xi[j] * xi[j];
      const T r = T(1) / std::sqrt(ss / c + eps);
      rstd[i] = r;
      T* oi = out + i * c;
      for (int j = 0; j < c; ++j) oi[j] = xi[j] * r * w[j];
    }
  });
}

template <typename T>
void rmsnorm_backward(T* dx, T* dw, const T* dy, const T* x, const T* w, const T* rstd, int n, int c, bool accumulate) {
  // forward: y_j = w_j · x_j · r,  r = (Σ x² / C + eps)^(-1/2),  dr/dx_j = -r³ · x_j / C
  // so dx_j = r · w_j · dy_j - (r³ / C) · x_j · Σ_i dy_i · w_i · x_i
  parallel_rows(n, 32, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* xi = x + i * c;
      const T* gi = dy + i * c;
      const T r = rstd[i];
      T dot = 0;
      if constexpr (std::is_same_v<T, float>) {
        // Σ (dy·x)·w in 8 lanes: the products first, in a row-sized scratch
        thread_local std::vector<float> gx;
        if (gx.size() < static_cast<size_t>(c)) gx.resize(static_cast<size_t>(c));
        for (int j = 0; j < c; ++j) gx[static_cast<size_t>(j)] = gi[j] * xi[j];
        dot = dot_array(gx.data(), w, c);
      } else {
        for (int j = 0; j < c; ++j) dot += gi[j] * w[j] * xi[j];
      }
      const T k = r * r * r * dot / c;
      T* di = dx + i * c;
      for (int j = 0; j < c; ++j) {
        const T g = r * w[j] * gi[j] - k * xi[j];
        di[j] = accumulate ? di[j] + g : g;
      }
    }
  });
  // dw_j += Σ_rows dy_j · x_j · r; columns split across threads, rows in order.
  parallel_rows(c, 32, [&](int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < n; ++i) {
      const T* xi = x + i * c;
      const T* gi = dy + i * c;
      const T r = rstd[i];
      for (int64_t j = c0; j < c1; ++j) dw[j] += gi[j] * xi[j] * r;
    }
  });
}

template void rmsnorm_forward<float>(float*, float*, const float*, const float*, int, int, float);
template void rmsnorm_forward<double>(double*, double*, const double*, const double*, int, int, double);
template void rmsnorm_backward<float>(float*, float*, const float*, const float*, const float*, const float*, int, int,
                                      bool);
template void rmsnorm_backward<double>(double*, double*, const double*, const double*, const double*, const double*,
                                       int, int, bool);

}  // namespace primer::model::kernels
