#include "model/kernels/adamw.h"

#include <cmath>

#include "model/kernels/parallel.h"

namespace primer::model::kernels {

template <typename T>
void adamw_update(T* param, const T* grad, T* m, T* v, int64_t n, const AdamW& o) {
  const T b1 = o.beta1, b2 = o.beta2;
  const T c1 = T(1) - std::pow(b1, static_cast<T>(o.step));
  const T c2 = T(1) - std::pow(b2, static_cast<T>(o.step));
  const T lr = o.lr, wd = o.weight_decay, eps = o.eps;
  parallel_rows(n, 65536, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T g = grad[i];
      m[i] = b1 * m[i] + (T(1) - b1) * g;
      v[i] = b2 * v[i] + (T(1) - b2) * g * g;
      const T mh = m[i] / c1, vh = v[i] / c2;
      // torch order: decay first (p *= 1 - lr·wd), then the Adam step
      param[i] = param[i] * (T(1) - lr * wd) - lr * mh / (std::sqrt(vh) + eps);
    }
  });
}

template void adamw_update<float>(float*, const float*, float*, float*, int64_t, const AdamW&);
template void adamw_update<double>(double*, const double*, double*, double*, int64_t, const AdamW&);

}  // namespace primer::model::kernels
