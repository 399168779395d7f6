// Text normalisation shared by the near-duplicate and decontamination filters, as
// datatrove's simplify_text: lower case, every run of digits becomes "0", punctuation and
// symbols become spaces, accents are stripped (NFD, then combining marks dropped),
// whitespace collapses. What is left is words separated by single spaces.
//
// ASCII text (and the common typographic punctuation U+2000..U+206F) takes a byte-table
// path; anything else goes through ICU. Both give the same words. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace primer::filters {

struct NormalizedWords {
  std::string text;                                  // words joined by single spaces
  std::vector<std::pair<uint32_t, uint32_t>> words;  // (offset, length) in text
};

// Replaces `out` with the normalised words of `text` (its buffers are reused).
void normalize_words(std::string_view text, NormalizedWords& out);
// The same through ICU for every text (the reference the byte-table path must match).
void normalize_words_icu(std::string_view text, NormalizedWords& out);

// 64-bit hashes of the word n-grams of `w` ("a b c d e" as bytes of w.text), in order.
// Fewer than n words: one hash of all of them (none for an empty text).
void word_ngram_hashes(const NormalizedWords& w, size_t n, std::vector<uint64_t>& out);

}  // namespace primer::filters

namespace primer::filters {

// Words as the Gopher rules count them (datatrove's split_into_words, approximated
// without a language model): whitespace-separated chunks, with leading and trailing ASCII
// punctuation split off as tokens of their own ("Hello," → "Hello", ","), so that
// symbol-only tokens exist and words keep inner apostrophes ("don't"). Views into text.
void split_gopher_words(std::string_view text, std::vector<std::string_view>& out);

// True if `c` is ASCII punctuation or a symbol (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~).
inline bool is_ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

}  // namespace primer::filters
