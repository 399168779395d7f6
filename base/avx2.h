// Small AVX2 pieces shared by the byte-classifying kernels (vocab/word_count.cc,
// filters/text_norm.cc). Callers choose them at run time (__builtin_cpu_supports).
#pragma once

#include <immintrin.h>

namespace primer::base {

// 0xFF in each byte of v that lies in [lo, hi], else 0. Signed compares: bytes >= 0x80
// are never in an ASCII range.
__attribute__((target("avx2"))) inline __m256i bytes_in_range(__m256i v, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), v));
}

}  // namespace primer::base
