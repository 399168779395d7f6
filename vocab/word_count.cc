// count_words: segment_words' word count without visiting the words, and the 64-byte
// blocks of word boundaries that it and segment_ascii use (see vocabulary.h).
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

using Masks = detail::AsciiWordBlocks::Masks;

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

// Block `b` of the `size` bytes at p; past the end, zero bytes (separators).
__attribute__((target("avx2"))) Masks classify_block(const char* p, size_t size, size_t b) {
  Masks m;
  if (b * 64 >= size) return m;
  const char* at = p + b * 64;
  char tail[64] = {};
  if ((b + 1) * 64 > size) {
    std::memcpy(tail, at, size - b * 64);
    at = tail;
  }
  classify32(at, 0, m);
  classify32(at + 32, 32, m);
  return m;
}

// count_words' ASCII path: the words' starts, counted.
__attribute__((target("popcnt"))) int64_t count_ascii_blocks(std::string_view text) {
  detail::AsciiWordBlocks blocks(text);
  int64_t count = 0;
  uint64_t start = 0, end = 0;
  while (blocks.next(start, end)) count += _mm_popcnt_u64(start);
  return count;
}

bool blocks_available() {
  const char* env = std::getenv("PRIMER_KERNELS");
  if (env && std::strcmp(env, "portable") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
}
}  // namespace

namespace detail {

bool AsciiWordBlocks::available() {
  static const bool kBlocks = blocks_available();
  return kBlocks;
}

// A word starts at a word byte whose previous byte is neither a word byte nor a joiner;
// a joiner is an apostrophe between two word bytes or '.' / ',' between two digits
// (segment_ascii_bytes' rules); a word ends at a word byte or joiner whose next byte is
// neither. A block is finished once the next one is known: the joiners at its last byte,
// and whether the next block's first byte is one, look one byte ahead.
bool AsciiWordBlocks::next(uint64_t& start, uint64_t& end) {
  if (block_ >= blocks_) return false;
  if (!primed_) {
    cur_ = classify_block(s_.data(), s_.size(), 0);
    primed_ = true;
  }
  const Masks& c = cur_;
  const Masks n = classify_block(s_.data(), s_.size(), block_ + 1);
  const uint64_t word_before = (c.word << 1) | (prev_word_ >> 63);
  const uint64_t word_after = (c.word >> 1) | (n.word << 63);
  const uint64_t digit_before = (c.digit << 1) | (prev_digit_ >> 63);
  const uint64_t digit_after = (c.digit >> 1) | (n.digit << 63);
  const uint64_t joiner = (c.apostrophe & word_before & word_after) | (c.num_punct & digit_before & digit_after);
  const uint64_t joiner_before = (joiner << 1) | (prev_joiner_ >> 63);
  // Whether the next block's first byte joins (between this block's last byte and its second).
  const uint64_t next_joins =
      ((n.apostrophe & (c.word >> 63) & (n.word >> 1)) | (n.num_punct & (c.digit >> 63) & (n.digit >> 1))) & 1;
  const uint64_t in_word = c.word | joiner;
  const uint64_t in_word_after = (in_word >> 1) | ((n.word | next_joins) << 63);
  start = c.word & ~word_before & ~joiner_before;
  end = in_word & ~in_word_after;
  prev_word_ = c.word;
  prev_digit_ = c.digit;
  prev_joiner_ = joiner;
  cur_ = n;
  ++block_;
  return true;
}

}  // namespace detail

int64_t count_words(std::string_view text, TextPath path) {
  if (path == TextPath::kAuto && detail::AsciiWordBlocks::available() && detail::is_ascii(text))
    return count_ascii_blocks(text);
  return count_segmented(text, path);
}

}  // namespace primer::vocab
