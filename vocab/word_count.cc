// count_words: segment_words' word count without visiting the words (see vocabulary.h).
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "base/avx2.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

int64_t count_segmented(std::string_view text, TextPath path) {
  int64_t n = 0;
  segment_words(
      text, [&](std::string_view) { ++n; }, nullptr, path);
  return n;
}

// The classes of 64 bytes as bit masks (bit k: byte k).
struct Masks {
  uint64_t word = 0, digit = 0, apostrophe = 0, num_punct = 0;
};

// Bit k set: byte k of v is in [lo, hi].
__attribute__((target("avx2"))) inline uint32_t in_range(__m256i v, char lo, char hi) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(base::bytes_in_range(v, lo, hi)));
}

__attribute__((target("avx2"))) inline uint32_t equal(__m256i v, char c) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c))));
}

__attribute__((target("avx2"))) inline void classify32(const char* p, uint64_t shift, Masks& m) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  // ASCII only: setting the case bit maps 'A'-'Z' onto 'a'-'z' and nothing else onto them.
  const uint64_t letters = in_range(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), 'a', 'z');
  const uint64_t digits = in_range(v, '0', '9');
  m.word |= (letters | digits) << shift;
  m.digit |= digits << shift;
  m.apostrophe |= static_cast<uint64_t>(equal(v, '\'')) << shift;
  m.num_punct |= static_cast<uint64_t>(equal(v, '.') | equal(v, ',')) << shift;
}

__attribute__((target("avx2"))) inline Masks classify64(const char* p) {
  Masks m;
  classify32(p, 0, m);
  classify32(p + 32, 32, m);
  return m;
}

// A word starts at a word byte whose previous byte is neither a word byte nor a joiner;
// a joiner is an apostrophe between two word bytes or '.' / ',' between two digits
// (segment_ascii's rules). Each 64-byte block is finished once the next one is known:
// the joiners at its last byte look one byte ahead.
__attribute__((target("avx2,popcnt"))) int64_t count_ascii_avx2(std::string_view text) {
  const char* p = text.data();
  const size_t size = text.size();
  const size_t blocks = (size + 63) / 64;
  auto load = [&](size_t b) -> Masks {
    if (b >= blocks) return {};
    if ((b + 1) * 64 <= size) return classify64(p + b * 64);
    char tail[64] = {};  // zero bytes separate words
    std::memcpy(tail, p + b * 64, size - b * 64);
    return classify64(tail);
  };
  int64_t count = 0;
  Masks cur = load(0);
  uint64_t prev_word = 0, prev_digit = 0, prev_joiner = 0;  // top bits of the block before
  for (size_t b = 0; b < blocks; ++b) {
    const Masks next = load(b + 1);
    const uint64_t word_before = (cur.word << 1) | (prev_word >> 63);
    const uint64_t word_after = (cur.word >> 1) | (next.word << 63);
    const uint64_t digit_before = (cur.digit << 1) | (prev_digit >> 63);
    const uint64_t digit_after = (cur.digit >> 1) | (next.digit << 63);
    const uint64_t joiner = (cur.apostrophe & word_before & word_after) | (cur.num_punct & digit_before & digit_after);
    const uint64_t joiner_before = (joiner << 1) | (prev_joiner >> 63);
    count += _mm_popcnt_u64(cur.word & ~word_before & ~joiner_before);
    prev_word = cur.word;
    prev_digit = cur.digit;
    prev_joiner = joiner;
    cur = next;
  }
  return count;
}

using CountFn = int64_t (*)(std::string_view);
CountFn choose() {
  const char* env = std::getenv("PRIMER_KERNELS");
  if (env && std::strcmp(env, "portable") == 0) return nullptr;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") ? count_ascii_avx2 : nullptr;
}
const CountFn kAsciiCount = choose();

}  // namespace

int64_t count_words(std::string_view text, TextPath path) {
  if (kAsciiCount && path == TextPath::kAuto && detail::is_ascii(text)) return kAsciiCount(text);
  return count_segmented(text, path);
}

}  // namespace primer::vocab
