// primer::vocab — the restricted vocabulary that TinyStories-style prompts draw their
// required words from and that every story is checked against.
//
// A vocabulary is a plain-text list, one lemma per line:
//
//   # comment
//   dog     noun  cat=animal
//   go      verb  past=went pp=gone
//   good    adj   cmp=better sup=best ly=well
//   the     func
//   Lily    name
//
// Parts of speech: noun, verb, adj, adv, func (closed-class words that are always
// allowed: articles, pronouns, prepositions, conjunctions, auxiliaries, numbers,
// contractions), name (first names, matched only when written with a capital letter).
// Optional key=value fields override or add inflections:
//
//   | key  | meaning                         | default rule                         |
//   |------|---------------------------------|--------------------------------------|
//   | pl   | noun plural                     | -s, -es after s/x/z/ch/sh, -y → -ies |
//   | s    | verb third person singular      | as pl, and -o → -oes                 |
//   | past | verb past tense                 | -ed, -e → -ed, -y → -ied, CVC doubled|
//   | pp   | verb past participle            | = past                               |
//   | ing  | verb present participle         | -ing, -e dropped, -ie → -ying, CVC   |
//   | cmp  | adjective comparative           | -er (same spelling rules as -ed)     |
//   | sup  | adjective superlative           | -est                                 |
//   | ly   | adverb made from an adjective   | -ly, -y → -ily, -le → -ly            |
//   | also | extra surface forms, comma list | none                                 |
//   | cat  | semantic classes, comma list    | none (animal, person, place, ...)    |
//
// Every surface form of every lemma is expanded once at load time into a hash map, so
// looking up a word is one probe. Vocabulary is immutable after construction and safe
// to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace primer::vocab {

enum class Pos : uint8_t { kNoun, kVerb, kAdj, kAdv, kFunc, kName };
inline constexpr int kPosCount = 6;

std::string_view pos_name(Pos pos);

enum class Form : uint8_t {
  kBase,
  kPlural,       // noun
  kThird,        // verb, third person singular present
  kPast,         // verb
  kParticiple,   // verb, past participle
  kIng,          // verb
  kComparative,  // adj
  kSuperlative,  // adj
  kAdverb,       // adj → -ly
};

struct Entry {
  std::string lemma;  // as written in the list (names keep their capital)
  Pos pos = Pos::kNoun;
  std::vector<std::string> categories;  // from cat=
  // Surface forms indexed by Form; empty when the form does not apply to the POS.
  std::string forms[9];
  std::vector<std::string> also;  // extra surface forms from also=

  const std::string& form(Form f) const { return forms[static_cast<int>(f)]; }
  bool has_category(std::string_view c) const;
};

// Thrown for a malformed list; the message names the file and the line.
class VocabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Result of scoring one text against the vocabulary.
struct Conformance {
  uint64_t tokens = 0;      // word tokens (numbers and names included)
  uint64_t oov_tokens = 0;  // tokens that are no form of any listed word
  std::vector<std::string> oov_words;  // lower-cased, in order of appearance, repeats kept
  uint32_t found_mask = 0;  // bit i set: watched entry i (see Vocabulary::score) occurs
  double oov_rate() const { return tokens ? double(oov_tokens) / double(tokens) : 0.0; }
};

class Vocabulary {
 public:
  // Parses a list; `origin` names it in error messages. Throws VocabError.
  static Vocabulary parse(std::string_view text, std::string_view origin);
  // Reads and parses a file. Throws VocabError (unreadable file included).
  static Vocabulary load(const std::filesystem::path& path);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry& entry(uint32_t i) const { return entries_[i]; }
  // Indices of the entries with this part of speech, in list order.
  std::span<const uint32_t> with_pos(Pos pos) const { return by_pos_[static_cast<int>(pos)]; }
  // Index of the entry with this lemma and POS, or -1.
  int64_t find(std::string_view lemma, Pos pos) const;

  // Entries (lemma indices) that `lower` (an already lower-cased word) is a form of.
  // Empty when the word is out of vocabulary. Names are not included (see is_name).
  std::span<const uint32_t> lemmas_of(std::string_view lower) const;
  // True if `word` as written is a listed first name (capitalised, possessive allowed).
  bool is_name(std::string_view word) const;
  // True if a word token is in the vocabulary: a form of a listed word, a name, a
  // number, a possessive or contraction of one of those.
  bool accepts(std::string_view word) const;

  // Scores a UTF-8 text: every word token is looked up (see segment_words). In the same
  // pass, bit i of found_mask tells whether some word is a form of watch[i] (i < 32).
  Conformance score(std::string_view text, std::span<const uint32_t> watch = {}) const;
  // True if some word of `text` is a form of entry `index`.
  bool mentions(std::string_view text, uint32_t index) const;

 private:
  void add_form(const std::string& surface, uint32_t index);
  // Strips a possessive or contraction ("Lily's", "don't", "we'll") and returns the base
  // word to look up, or an empty view when there is nothing to strip.
  static std::string_view strip_clitic(std::string_view lower);
  // Lemmas of a word token (after folding and clitic stripping); `accepted` tells whether
  // the token is in the vocabulary at all (names and numbers have no lemmas).
  std::span<const uint32_t> analyse(std::string_view word, std::string& scratch, bool& accepted) const;

  std::vector<Entry> entries_;
  std::vector<uint32_t> by_pos_[kPosCount];
  std::unordered_map<std::string, std::vector<uint32_t>> forms_;  // lower-case surface → lemmas
  std::unordered_map<std::string, uint32_t> names_;               // lower-case name → entry
  std::unordered_map<std::string, uint32_t> lemma_index_;         // "pos:lemma" → entry
};

// Regular English inflection, used for lemmas without an override.
std::string inflect_regular(std::string_view lemma, Form form);

// Splits UTF-8 text into word tokens: runs of letters and digits, with an apostrophe
// (' or U+2019) kept when it sits between letters ("don't", "Lily's"); hyphens, spaces
// and punctuation (ASCII and the common Unicode quotes, dashes and ellipsis) separate
// words; other non-ASCII characters count as letters (full ICU segmentation comes with
// the vocabulary tools). Calls fn(word) for each token, as written.
template <typename Fn>
void segment_words(std::string_view text, Fn&& fn);

// ASCII lower-casing with U+2019 folded to '\''. `out` is reused scratch.
void fold_word(std::string_view word, std::string& out);

// ---- implementation of the template ----

namespace detail {
// Length of the separator (punctuation or space) at s[i], or 0 if a word character
// starts there. Non-ASCII letters count as word characters; the common Unicode
// punctuation (U+2000–U+206F: curly quotes, dashes, ellipsis; U+00A0, « », ¡ ¿)
// separates words.
inline size_t separator_length(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return word ? 0 : 1;
  }
  if (c == 0xE2 && i + 2 < s.size() && (static_cast<unsigned char>(s[i + 1]) == 0x80 ||
                                        static_cast<unsigned char>(s[i + 1]) == 0x81))
    return 3;
  if (c == 0xC2 && i + 1 < s.size()) {
    const unsigned char d = static_cast<unsigned char>(s[i + 1]);
    if (d == 0xA0 || d == 0xAB || d == 0xBB || d == 0xA1 || d == 0xBF) return 2;
  }
  return 0;
}
// Length of an apostrophe (' or U+2019) at s[i], or 0.
inline size_t apostrophe_length(std::string_view s, size_t i) {
  if (s[i] == '\'') return 1;
  if (i + 3 <= s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x99)
    return 3;
  return 0;
}
inline bool is_right_quote(std::string_view s, size_t i) { return apostrophe_length(s, i) == 3; }
}  // namespace detail

template <typename Fn>
void segment_words(std::string_view text, Fn&& fn) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    while (i < n) {
      const size_t sep = detail::separator_length(text, i);
      if (sep == 0) break;
      i += sep;
    }
    if (i >= n) break;
    const size_t start = i;
    while (i < n) {
      const size_t sep = detail::separator_length(text, i);
      if (sep == 0) {
        ++i;
        continue;
      }
      // An apostrophe between word characters belongs to the word ("don't", "Lily's").
      const size_t apo = detail::apostrophe_length(text, i);
      if (apo > 0 && i + apo < n && detail::separator_length(text, i + apo) == 0) {
        i += apo;
        continue;
      }
      break;
    }
    fn(text.substr(start, i - start));
  }
}

}  // namespace primer::vocab
