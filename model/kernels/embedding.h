// Token embedding lookup, and its backward (a scatter-add into the table).
#pragma once

#include <cstdint>

namespace primer::model::kernels {

// out (N, C) = table[tokens[i]] for each of the N positions; table is (V, C).
template <typename T>
void embedding_forward(T* out, const int32_t* tokens, const T* table, int n, int c);

// dtable (V, C) += dout (N, C) scattered by token. Columns are split across threads and
// rows are added in order, so the result does not depend on the thread count.
template <typename T>
void embedding_backward(T* dtable, const T* dout, const int32_t* tokens, int n, int c);

}  // namespace primer::model::kernels
