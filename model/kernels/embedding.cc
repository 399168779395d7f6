#include "model/kernels/embedding.h"

#include <algorithm>

#include "model/kernels/parallel.h"

namespace primer::model::kernels {

template <typename T>
void embedding_forward(T* out, const int32_t* tokens, const T* table, int n, int c) {
  parallel_rows(n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) std::copy_n(table + static_cast<int64_t>(tokens[i]) * c, c, out + i * c);
  });
}

template <typename T>
void embedding_backward(T* dtable, const T* dout, const int32_t* tokens, int n, int c) {
  // forward: out[i, :] = table[tokens[i], :]
  parallel_rows(c, 32, [&](int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < n; ++i) {
      T* row = dtable + static_cast<int64_t>(tokens[i]) * c;
      const T* g = dout + i * c;
      for (int64_t j = c0; j < c1; ++j) row[j] += g[j];
    }
  });
}

template void embedding_forward<float>(float*, const int32_t*, const float*, int, int);
template void embedding_forward<double>(double*, const int32_t*, const double*, int, int);
template void embedding_backward<float>(float*, const float*, const int32_t*, int, int);
template void embedding_backward<double>(double*, const double*, const int32_t*, int, int);

}  // namespace primer::model::kernels
