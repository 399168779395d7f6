// vocab/'s Unicode word characters and its segmentation of scripts written without
// spaces (segment.cc): shared by vocabulary.cc (loading a list, Vocabulary::
// split_spaceless) and segment.cc (detail::segment_unicode). Internal to vocab/.
#pragma once

#include <unicode/uchar.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace primer::vocab::detail {

inline bool is_apostrophe(UChar32 c) { return c == 0x27 || c == 0x2019 || c == 0x02BC; }
[[gnu::always_inline]] inline bool is_word_char(UChar32 c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (is_apostrophe(c)) return false;
  return u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(c) & (U_GC_M_MASK | U_GC_ND_MASK)) != 0;
}

// A word character of a script written without spaces: the characters ICU's word break
// rules hand to a dictionary (Han, Hiragana, Katakana, with the marks and signs they
// share through Script_Extensions such as U+30FC and U+3099; Line_Break=Complex_Context:
// Thai, Lao, Khmer, Myanmar, ...). Nothing below U+0E00 is one, so Latin, Greek,
// Cyrillic, Arabic and Indic words never pay for the lookups.
bool is_spaceless_slow(UChar32 c);
[[gnu::always_inline]] inline bool is_spaceless(UChar32 c) { return c >= 0x0E00 && is_spaceless_slow(c); }

// [begin, end) byte offsets of the words of a run, in order.
using Pieces = std::vector<std::pair<uint32_t, uint32_t>>;

// Cuts `run` (UTF-8, only characters that is_spaceless accepts) at ICU's word boundaries
// and appends the pieces, as byte offsets into `run` plus `base`, to `out`; the whole
// run is one piece if ICU fails. The pieces are collected before anyone sees them, so a
// caller's callback may segment again on this thread (the breaker is shared).
void icu_split(std::string_view run, uint32_t base, Pieces& out);

// Whether a list has `word` (a surface form or a name), for split_listed.
using ListedFn = bool (*)(const void* context, std::string_view word);

// A list's own segmentation of a run (UTF-8, only is_spaceless word characters, NFKC):
// a dynamic programme over code point boundaries that minimises first the tokens that
// are not listed, then the number of tokens. A token is a listed word (at most
// `longest` code points), one of ICU's words of the run (an unlisted word stays whole,
// so that the report names it), or a single code point. So a run made only of listed
// words splits into them, whatever ICU would have split. Among equal splits a listed
// word beats the others and the longest listed word wins. Appends to `out`.
void split_listed(std::string_view run, size_t longest, ListedFn listed, const void* context, Pieces& out);

}  // namespace primer::vocab::detail
