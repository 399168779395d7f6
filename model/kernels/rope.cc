#include "model/kernels/rope.h"

#include <cmath>

#include "model/kernels/parallel.h"

namespace primer::model::kernels {

RopeTable::RopeTable(int seq_len_, int head_size, float theta) : seq_len(seq_len_), half(head_size / 2) {
  cos.resize(static_cast<size_t>(seq_len) * half);
  sin.resize(cos.size());
  for (int t = 0; t < seq_len; ++t)
    for (int i = 0; i < half; ++i) {
      const float freq = 1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(head_size));
      const float angle = static_cast<float>(t) * freq;
      cos[static_cast<size_t>(t) * half + i] = std::cos(angle);
      sin[static_cast<size_t>(t) * half + i] = std::sin(angle);
    }
}

namespace {
template <typename T>
void rotate(T* x, const float* cos, const float* sin, int b, int t, int heads, int head_size, int pos0, T sign) {
  const int half = head_size / 2;
  const int64_t width = static_cast<int64_t>(heads) * head_size;
  parallel_rows(static_cast<int64_t>(b) * t, 64, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int pos = pos0 + static_cast<int>(row % t);
      const float* cr = cos + static_cast<int64_t>(pos) * half;
      const float* sr = sin + static_cast<int64_t>(pos) * half;
      for (int h = 0; h < heads; ++h) {
        T* v = x + row * width + static_cast<int64_t>(h) * head_size;
        for (int i = 0; i < half; ++i) {
          const T c = cr[i], s = sign * static_cast<T>(sr[i]);
          const T v0 = v[2 * i], v1 = v[2 * i + 1];
          v[2 * i] = v0 * c - v1 * s;
          v[2 * i + 1] = v0 * s + v1 * c;
        }
      }
    }
  });
}
}  // namespace

template <typename T>
void rope_forward(T* x, const float* cos, const float* sin, int b, int t, int heads, int head_size, int pos0) {
  rotate<T>(x, cos, sin, b, t, heads, head_size, pos0, T(1));
}

template <typename T>
void rope_backward(T* dx, const float* cos, const float* sin, int b, int t, int heads, int head_size, int pos0) {
  // forward: (y0, y1) = R(θ)(x0, x1), so (dx0, dx1) = R(θ)ᵀ (dy0, dy1) = R(-θ)(dy0, dy1)
  rotate<T>(dx, cos, sin, b, t, heads, head_size, pos0, T(-1));
}

template void rope_forward<float>(float*, const float*, const float*, int, int, int, int, int);
template void rope_forward<double>(double*, const float*, const float*, int, int, int, int, int);
template void rope_backward<float>(float*, const float*, const float*, int, int, int, int, int);
template void rope_backward<double>(double*, const float*, const float*, int, int, int, int, int);

}  // namespace primer::model::kernels
