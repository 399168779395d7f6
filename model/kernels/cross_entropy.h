// Softmax + cross-entropy, fused: one pass over the logits gives the loss and, in place,
// the gradient (the (N, V) probabilities are never stored separately).
#pragma once

#include <cstdint>

namespace primer::model::kernels {

// losses (N) = -log softmax(logits)[target] per row; logits (N, V) unchanged.
template <typename T>
void cross_entropy_forward(T* losses, const T* logits, const int32_t* targets, int n, int v);

// losses as above, and logits (N, V) replaced by d(Σ losses · scale)/d logits
//   = (softmax(logits) - onehot(target)) · scale.
template <typename T>
void cross_entropy_forward_backward(T* losses, T* logits, const int32_t* targets, int n, int v, T scale);

}  // namespace primer::model::kernels
