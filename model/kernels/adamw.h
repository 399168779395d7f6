// AdamW (Loshchilov & Hutter) with bias correction, as torch.optim.AdamW:
//   m = β1·m + (1-β1)·g,  v = β2·v + (1-β2)·g²
//   p -= lr · (wd · p + m̂ / (sqrt(v̂) + eps)),  m̂ = m / (1-β1^t),  v̂ = v / (1-β2^t)
#pragma once

#include <cstdint>

namespace primer::model::kernels {

struct AdamW {
  float lr = 5e-4f;
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
  float weight_decay = 0.0f;  // 0 for gains (RMSNorm weights)
  int64_t step = 1;           // 1-based step for the bias correction
};

// n parameters updated in place; m, v are the optimiser's moments.
template <typename T>
void adamw_update(T* param, const T* grad, T* m, T* v, int64_t n, const AdamW& opt);

}  // namespace primer::model::kernels
