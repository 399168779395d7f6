#include "filters/text_norm.h"

#include <immintrin.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#define XXH_INLINE_ALL  // the shingle hashes are short: inlined XXH3 (same values), not a call each
#include <xxhash.h>

#include <cstdlib>
#include <cstring>

#include "base/avx2.h"

namespace primer::filters {
namespace {

// Byte classes of the ASCII path: 0 separator, 1 letter/other word byte, 2 digit.
struct Table {
  uint8_t cls[128];
  char lower[128];
  constexpr Table() : cls{}, lower{} {
    for (int c = 0; c < 128; ++c) {
      lower[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) cls[c] = 1;
      else if (c >= '0' && c <= '9') cls[c] = 2;
      else cls[c] = 0;
    }
  }
};
constexpr Table kTable{};

class Builder {
 public:
  explicit Builder(NormalizedWords& out) : out_(out) {
    out_.text.clear();
    out_.words.clear();
  }
  void separator() {
    if (in_word_) {
      out_.words.emplace_back(start_, static_cast<uint32_t>(out_.text.size()) - start_);
      in_word_ = false;
    }
    in_digits_ = false;
  }
  void begin() {
    if (!in_word_) {
      if (!out_.text.empty()) out_.text.push_back(' ');
      start_ = static_cast<uint32_t>(out_.text.size());
      in_word_ = true;
    }
  }
  void letter(char c) {
    begin();
    out_.text.push_back(c);
    in_digits_ = false;
  }
  void letters(std::string_view s) {
    begin();
    out_.text.append(s);
    in_digits_ = false;
  }
  void digit() {
    begin();
    if (!in_digits_) out_.text.push_back('0');
    in_digits_ = true;
  }
  void finish() { separator(); }

 private:
  NormalizedWords& out_;
  uint32_t start_ = 0;
  bool in_word_ = false, in_digits_ = false;
};

// The length of the General Punctuation character (U+2000..U+206F: dashes, curly quotes,
// ellipsis, spaces; E2 80 80..E2 81 AF) at p[0..n), or 0 if there is none.
inline size_t general_punctuation(const unsigned char* p, size_t n) {
  if (n < 3 || p[0] != 0xE2 || (p[2] & 0xC0) != 0x80) return 0;
  return p[1] == 0x80 || (p[1] == 0x81 && p[2] <= 0xAF) ? 3 : 0;
}

// The byte-table path: ASCII and General Punctuation only. Writes into `out` in place
// (the normalised text is never longer than the input: every space it writes stands for
// at least one separator byte, every "0" for at least one digit); false, with `out` in an
// unspecified state, at the first other character.
bool normalize_ascii(std::string_view text, NormalizedWords& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  out.words.clear();
  out.text.resize(size);
  char* o = out.text.data();
  size_t n = 0, i = 0;
  for (;;) {
    while (i < size && (p[i] >= 0x80 || kTable.cls[p[i]] == 0)) {  // separators
      if (p[i] < 0x80) {
        ++i;
        continue;
      }
      const size_t len = general_punctuation(p + i, size - i);
      if (len == 0) return false;
      i += len;
    }
    if (i == size) break;
    if (n) o[n++] = ' ';
    const size_t start = n;
    while (i < size && p[i] < 0x80) {
      const uint8_t cls = kTable.cls[p[i]];
      if (cls == 1) {
        o[n++] = kTable.lower[p[i++]];
      } else if (cls == 2) {  // a run of digits is one "0"
        o[n++] = '0';
        while (++i < size && p[i] >= '0' && p[i] <= '9') {
        }
      } else {
        break;
      }
    }
    out.words.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(n - start));
  }
  out.text.resize(n);
  return true;
}

// The shuffles that gather the bytes of an 8-byte group whose mask bit is set, in order
// (entry m: the positions of m's set bits, then zeros).
struct Gather {
  alignas(8) uint8_t index[256][8];
  constexpr Gather() : index{} {
    for (int m = 0; m < 256; ++m) {
      int k = 0;
      for (int j = 0; j < 8; ++j)
        if (m >> j & 1) index[m][k++] = static_cast<uint8_t>(j);
    }
  }
};
constexpr Gather kGather{};

// The classes of 32 bytes: bit masks of letters, digits and high bytes, and the bytes as
// they are written (letters lower-cased, digits '0', everything else ' ').
struct Classes32 {
  uint32_t letters, digits, high;
  __m256i out;
};
__attribute__((target("avx2"))) inline Classes32 classify(const unsigned char* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
  const __m256i letter = base::bytes_in_range(lower, 'a', 'z'), digit = base::bytes_in_range(v, '0', '9');
  const __m256i out =
      _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(letter, lower), _mm256_and_si256(digit, _mm256_set1_epi8('0'))),
                      _mm256_andnot_si256(_mm256_or_si256(letter, digit), _mm256_set1_epi8(' ')));
  return {static_cast<uint32_t>(_mm256_movemask_epi8(letter)), static_cast<uint32_t>(_mm256_movemask_epi8(digit)),
          static_cast<uint32_t>(_mm256_movemask_epi8(v)), out};
}

// normalize_ascii 64 bytes at a time (AVX2), with the same output and no branch per byte.
// Each byte becomes its output byte (classify); the bytes that stay are every letter, the
// first digit of each run, and the first separator after a word (as the space between
// two words; one at the very end is cut). They are gathered 8 at a time with a shuffle
// from kGather. The words' offsets follow from the same masks: a word starts at a word
// byte after a separator and ends at the separator written as its space. High bytes must
// be General Punctuation (separators), checked one character at a time; anything else
// returns false, as normalize_ascii does.
__attribute__((target("avx2,bmi,popcnt"))) bool normalize_ascii_avx2(std::string_view text, NormalizedWords& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  out.words.clear();
  out.text.resize(size + 64);  // slack for the 8-byte stores
  char* o = out.text.data();
  size_t n = 0;                            // bytes written
  size_t checked = 0;                      // high bytes before this were checked
  uint64_t prev_word = 0, prev_digit = 0;  // the block before's masks (bit 63 used)
  uint32_t start = 0;                      // where the open word began
  bool open = false;
  alignas(32) unsigned char tail[64];
  alignas(32) unsigned char bytes[64];
  for (size_t at = 0; at < size; at += 64) {
    const unsigned char* src = p + at;
    if (size - at < 64) {  // the last block, padded with NULs (separators)
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, src, size - at);
      src = tail;
    }
    const Classes32 c0 = classify(src), c1 = classify(src + 32);
    _mm256_store_si256(reinterpret_cast<__m256i*>(bytes), c0.out);
    _mm256_store_si256(reinterpret_cast<__m256i*>(bytes + 32), c1.out);
    const uint64_t letters = c0.letters | uint64_t(c1.letters) << 32;
    const uint64_t digits = c0.digits | uint64_t(c1.digits) << 32;
    if (uint64_t high = c0.high | uint64_t(c1.high) << 32) {
      for (; high; high &= high - 1) {
        const size_t i = at + _tzcnt_u64(high);
        if (i < checked) continue;  // inside a character already checked
        const size_t len = general_punctuation(p + i, size - i);
        if (len == 0) return false;
        checked = i + len;
      }
    }
    const uint64_t word = letters | digits;
    const uint64_t word_before = word << 1 | prev_word >> 63;
    const uint64_t digit_before = digits << 1 | prev_digit >> 63;
    const uint64_t space = ~word & word_before;
    const uint64_t keep = letters | (digits & ~digit_before) | space;
    for (uint64_t events = (word & ~word_before) | space; events; events &= events - 1) {
      const unsigned k = static_cast<unsigned>(_tzcnt_u64(events));
      const auto offset = static_cast<uint32_t>(n + _mm_popcnt_u64(keep & ((uint64_t(1) << k) - 1)));
      if (open) out.words.emplace_back(start, offset - start);
      else start = offset;
      open = !open;
    }
    for (int g = 0; g < 8; ++g) {
      const unsigned m = static_cast<unsigned>(keep >> (8 * g)) & 0xFF;
      const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes + 8 * g));
      const __m128i gathered = _mm_shuffle_epi8(x, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kGather.index[m])));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(o + n), gathered);
      n += static_cast<size_t>(_mm_popcnt_u32(m));
    }
    prev_word = word;
    prev_digit = digits;
  }
  if (open) out.words.emplace_back(start, static_cast<uint32_t>(n) - start);  // the text ends in a word
  if (n && o[n - 1] == ' ') --n;                                              // the space after the last word
  out.text.resize(n);
  return true;
}

using AsciiFn = bool (*)(std::string_view, NormalizedWords&);
AsciiFn choose_ascii() {  // PRIMER_KERNELS=portable: the byte-table loop (as minhash does)
  const char* env = std::getenv("PRIMER_KERNELS");
  if (env && std::strcmp(env, "portable") == 0) return normalize_ascii;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") ? normalize_ascii_avx2 : normalize_ascii;
}
const AsciiFn kAscii = choose_ascii();

void normalize_icu(std::string_view text, Builder& b) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  s.toLower();  // before NFD: İ → i + dot, which is then dropped with the other marks
  icu::UnicodeString d;
  if (U_SUCCESS(status)) nfd->normalize(s, d, status);
  if (U_FAILURE(status)) d = s;
  char buf[4];
  for (int32_t i = 0; i < d.length();) {
    const UChar32 c = d.char32At(i);
    i += U16_LENGTH(c);
    const int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK) continue;
    if (u_isdigit(c)) {
      b.digit();
      continue;
    }
    if (u_isalpha(c)) {
      if (c < 0x80) {
        b.letter(static_cast<char>(c));
        continue;
      }
      int32_t n = 0;
      U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), n, c);
      b.letters(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    b.separator();  // punctuation, symbols, spaces, controls
  }
}

}  // namespace

void normalize_words_icu(std::string_view text, NormalizedWords& out) {
  Builder b(out);
  normalize_icu(text, b);
  b.finish();
}

void normalize_words(std::string_view text, NormalizedWords& out) {
  if (!kAscii(text, out)) normalize_words_icu(text, out);
}

void word_ngram_hashes(const NormalizedWords& w, size_t n, std::vector<uint64_t>& out) {
  out.clear();
  const size_t count = w.words.size();
  if (count == 0) return;
  const char* base = w.text.data();
  if (count < n) {
    out.push_back(XXH3_64bits(base, w.text.size()));
    return;
  }
  out.reserve(count - n + 1);
  for (size_t i = 0; i + n <= count; ++i) {
    const uint32_t begin = w.words[i].first;
    const uint32_t end = w.words[i + n - 1].first + w.words[i + n - 1].second;
    out.push_back(XXH3_64bits(base + begin, end - begin));
  }
}

}  // namespace primer::filters

namespace primer::filters {

void split_gopher_words(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !space(text[j])) ++j;
    if (j == i) break;
    std::string_view chunk = text.substr(i, j - i);
    i = j;
    size_t lead = 0;
    while (lead < chunk.size() && is_ascii_punct(chunk[lead])) ++lead;
    if (lead == chunk.size()) {
      out.push_back(chunk);
      continue;
    }
    size_t trail = 0;
    while (trail < chunk.size() - lead && is_ascii_punct(chunk[chunk.size() - 1 - trail])) ++trail;
    if (lead) out.push_back(chunk.substr(0, lead));
    out.push_back(chunk.substr(lead, chunk.size() - lead - trail));
    if (trail) out.push_back(chunk.substr(chunk.size() - trail));
  }
}

}  // namespace primer::filters
