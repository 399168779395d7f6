// primer::vocab — the restricted vocabulary that TinyStories-style prompts draw their
// required words from and that every story is checked against.
//
// Usage:
//
//   const Vocabulary v = Vocabulary::load("vocab/default.txt");   // throws VocabError
//   const Conformance c = v.score("The children were running to Lily's house.");
//   // c.tokens == 8, c.oov_tokens == 0, c.oov_rate() == 0
//   for (uint32_t i : v.lemmas_of("went")) v.entry(i).lemma;      // "go"
//
// A vocabulary is a plain-text list, one lemma per line:
//
//   # comment
//   dog     noun  cat=animal
//   go      verb  past=went pp=gone
//   good    adj   cmp=better sup=best ly=well
//   the     func
//   Lily    name  cat=girl
//
// Parts of speech: noun, verb, adj, adv, func (closed-class words that are always
// allowed: articles, pronouns, prepositions, conjunctions, auxiliaries, numbers,
// contractions), name (first names, matched only when written with a capital letter).
// A lemma is one word: no '=', ',', '_' or apostrophe. Optional key=value fields
// override or add inflections:
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
//   | also | extra surface forms, comma list | none (may hold apostrophes: o'clock) |
//   | cat  | semantic classes, comma list    | none (animal, person, place, ...)    |
//
// An override equal to the lemma itself ("red adj ly=red") means "no such one-word
// form": the made-up regular form ("redly") is then not accepted. Each malformed line is
// a VocabError whose message starts with "FILE:LINE: ".
//
// Lists in other languages. A list says its language with a directive comment, by
// convention in its header:
//
//   # language: zh
//   我      func
//   猫      noun
//   跑      verb
//   小明    name
//
// The code is a BCP 47 language tag ("zh", "ja", "th", "es", "pt-BR"); without the
// directive a list is English ("en"). Only English has the regular rules of the table
// above and the English possessives and contractions ("Lily's", "don't"); in a list of
// any other language a lemma accepts its base form and exactly the forms its line gives
// (pl=, past=, ... by part of speech as above, and also=). A name whose first letter has
// no case (Han, kana, Thai, ...) is matched as written.
//
// Words are matched after segmentation (see segment_words) and case folding; a token is
// in the vocabulary when it is a form of a listed word, a listed name written with a
// capital (or in a script without case), a number ("42", "3.5", "1,000", "3rd",
// "1990s"), or, for an English list, a possessive or contraction of one of those
// ("Lily's", "don't", "we'll").
//
// Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) are cut
// into words by the list itself where it can (see segment_words, `prefer`): within a run
// of such script the split with the fewest out-of-vocabulary words wins, ties going to
// fewer and then listed and longer words; an unlisted word is one of ICU's dictionary
// words, kept whole (vocab/segment_unicode.h: split_listed). So a text made only of
// listed words is in vocabulary whatever ICU's dictionary would have split.
//
// Every surface form of every lemma is expanded once at load time into a flat hash
// table, so looking up a word is one probe. Vocabulary is immutable after construction
// and safe to share between threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace primer::vocab {

enum class Pos : uint8_t { kNoun, kVerb, kAdj, kAdv, kFunc, kName };
inline constexpr int kPosCount = 6;

std::string_view pos_name(Pos pos);
// Parses "noun", "verb", ...; false if `name` is none of them.
bool parse_pos(std::string_view name, Pos& pos);

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
inline constexpr int kFormCount = 9;
// The list key of a form ("pl", "past", ...); "" for kBase.
std::string_view form_key(Form form);

struct Entry {
  std::string lemma;  // as written in the list (names keep their capital)
  Pos pos = Pos::kNoun;
  std::vector<std::string> categories;  // from cat=
  // Surface forms indexed by Form (lower case); empty when the form does not apply to
  // the POS. An adjective form equal to the base means "no such one-word form".
  std::string forms[kFormCount];
  std::vector<std::string> also;  // extra surface forms from also=
  // Keys given explicitly in the list (bit i: Form i overridden), for round trips.
  uint16_t overridden = 0;
  uint32_t line = 0;  // line in the list it came from

  const std::string& form(Form f) const { return forms[static_cast<int>(f)]; }
  bool has_category(std::string_view c) const;
  // Every distinct lower-case surface form (base, inflections, also=), base first.
  std::vector<std::string> surface_forms() const;
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
  // Folded (lower-case) out-of-vocabulary words, possessive/contraction stripped, in
  // order of appearance, repeats kept.
  std::vector<std::string> oov_words;
  uint64_t invalid_utf8 = 0;  // ill-formed UTF-8 sequences, skipped (each one separates words)
  uint32_t found_mask = 0;    // bit i set: watched entry i (see Vocabulary::score) occurs
  double oov_rate() const { return tokens ? double(oov_tokens) / double(tokens) : 0.0; }
};

// How text is segmented. Both give identical tokens (a test checks it); kAuto handles
// pure-ASCII stretches with a byte-table loop and sends the others to ICU, kIcuOnly
// sends everything through ICU (NFKC, Unicode properties, full case folding).
enum class TextPath : uint8_t { kAuto, kIcuOnly };

enum class TokenKind : uint8_t { kWord, kName, kNumber, kOov };

// One analysed word token (see Vocabulary::for_each_token). Views are valid during the
// callback only.
struct Token {
  std::string_view text;    // as segmented (NFKC-normalised where the text was not ASCII)
  std::string_view folded;  // case-folded, apostrophes as '\''; for kOov the word reported
  TokenKind kind = TokenKind::kOov;
  std::span<const uint32_t> lemmas;  // kWord: the entries it is a form of
};

class Vocabulary;

namespace detail {
using WordSink = void (*)(void* context, std::string_view word);
// Segments a stretch with ICU (defined in vocabulary.cc); returns ill-formed sequences.
// Runs of scripts written without spaces go to `prefer`'s words first when it is given.
uint64_t segment_unicode(std::string_view s, WordSink sink, void* context, const Vocabulary* prefer);
}  // namespace detail

class Vocabulary {
 public:
  Vocabulary();
  ~Vocabulary();
  Vocabulary(const Vocabulary& other);
  Vocabulary& operator=(const Vocabulary& other);
  Vocabulary(Vocabulary&&) noexcept;
  Vocabulary& operator=(Vocabulary&&) noexcept;

  // Parses a list; `origin` names it in error messages. Throws VocabError.
  static Vocabulary parse(std::string_view text, std::string_view origin);
  // Reads and parses a file. Throws VocabError (unreadable file included).
  static Vocabulary load(const std::filesystem::path& path);

  // The list's language ("en" unless a "# language: CODE" directive says otherwise).
  const std::string& language() const { return language_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry& entry(uint32_t i) const { return entries_[i]; }
  // Indices of the entries with this part of speech, in list order.
  std::span<const uint32_t> with_pos(Pos pos) const { return by_pos_[static_cast<int>(pos)]; }
  // Index of the entry with this lemma and POS, or -1.
  int64_t find(std::string_view lemma, Pos pos) const;
  // Number of distinct accepted surface forms (names excluded).
  size_t surface_form_count() const;

  // Entries (lemma indices) that `lower` (an already folded word) is a form of.
  // Empty when the word is out of vocabulary. Names are not included (see is_name).
  std::span<const uint32_t> lemmas_of(std::string_view lower) const;
  // True if `word` as written is a listed first name (capitalised, possessive allowed).
  bool is_name(std::string_view word) const;
  // True if a word token is in the vocabulary: a form of a listed word, a name, a
  // number, a possessive or contraction of one of those.
  bool accepts(std::string_view word) const;

  // Scores a UTF-8 text: every word token is looked up (see segment_words; runs of
  // scripts written without spaces are cut into this list's words first). In the same
  // pass, bit i of found_mask tells whether some word is a form of watch[i] (i < 32).
  Conformance score(std::string_view text, std::span<const uint32_t> watch = {}, TextPath path = TextPath::kAuto) const;
  // True if some word of `text` is a form of entry `index`, segmented as score() does
  // (so "我有一只小猫" mentions 猫 when the list has 小 and 猫 but not 小猫). This is
  // what a required word is checked with.
  bool mentions(std::string_view text, uint32_t index) const;
  // Calls fn for every word token of `text`, in order, with its analysis. Returns the
  // number of ill-formed UTF-8 sequences skipped.
  uint64_t for_each_token(std::string_view text, const std::function<void(const Token&)>& fn,
                          TextPath path = TextPath::kAuto) const;

 private:
  struct Index;  // flat hash tables of surface forms and names (vocabulary.cc)
  TokenKind classify(std::string_view word, std::string& folded, std::span<const uint32_t>& lemmas,
                     size_t& report_len) const;
  // classify()'s fast path: a short ASCII word that is a listed form (its lemmas).
  // `text_end`: the end of the text the word is a view of (its last bytes are then read 8
  // at once where the text goes on that far); null when it may lie elsewhere.
  bool listed_ascii(std::string_view word, std::span<const uint32_t>& lemmas, const char* text_end = nullptr) const;
  // Cuts a run of a script written without spaces into words, the list's first.
  void split_spaceless(std::string_view run, detail::WordSink sink, void* context) const;
  friend uint64_t detail::segment_unicode(std::string_view, detail::WordSink, void*, const Vocabulary*);

  std::string language_ = "en";
  bool english_ = true;  // language_ == "en": regular inflections and clitics apply
  std::vector<Entry> entries_;
  std::vector<uint32_t> by_pos_[kPosCount];
  std::unique_ptr<Index> index_;
};

// The language tag of a "# language: CODE" directive line (spaces optional), as
// written; nullopt when the line is no such directive.
std::optional<std::string_view> language_directive(std::string_view line);

// Regular English inflection, used for lemmas without an override.
std::string inflect_regular(std::string_view lemma, Form form);

// Strips a possessive or contraction from a folded word ("lily's" → "lily", "don't" →
// "do", "won't" → "will", "can't" → "can"); returns an empty view when there is none.
std::string_view strip_clitic(std::string_view folded);

// Splits UTF-8 text into word tokens and calls fn(word) for each, in order.
//
// The rules, on Unicode code points after dropping default-ignorable code points (soft
// hyphen, zero-width joiners, BOM) and NFKC normalisation (full-width letters, ligatures,
// compatibility digits):
//   - word characters are letters (Alphabetic), combining marks and decimal digits;
//     a token is a maximal run of them, where
//   - an apostrophe (U+0027, U+2019, U+02BC) between two word characters joins them
//     ("don't", "Lily's", "o'clock"), and
//   - '.' or ',' between two digits joins them ("3.5", "1,000");
//   - everything else (spaces, punctuation, hyphens and dashes, quotes, symbols, emoji;
//     "，。！？“”「」" too) separates words, so "well-known" is "well" + "known";
//   - the letters ICU segments with a dictionary, those of scripts written without
//     spaces (Han, Hiragana, Katakana and the characters they share, such as 々 and ー;
//     and Line_Break=Complex_Context: Thai, Lao, Khmer, Myanmar, ...), form runs of their
//     own ("3个" is "3" + "个"; an apostrophe does not join them), and a run is cut into
//     words: by `prefer`'s words where it is given (see Vocabulary), otherwise by ICU's
//     word break iterator with its CJK and South-East Asian dictionaries.
// Decimal digits of other scripts become ASCII digits. Ill-formed UTF-8 sequences
// separate words and are counted in `invalid`. For pure-ASCII stretches (between ASCII
// whitespace) the word is a view of `text` as written; otherwise it is the normalised
// word, valid during the call.
template <typename Fn>
void segment_words(std::string_view text, Fn&& fn, uint64_t* invalid = nullptr, TextPath path = TextPath::kAuto,
                   const Vocabulary* prefer = nullptr);

// The number of words segment_words would call fn with. A pure-ASCII text is counted
// 64 bytes at a time with AVX2 where the CPU has it (word starts found by mask, the
// joining apostrophes and number punctuation included); any other text is segmented.
// PRIMER_KERNELS=portable selects the byte-by-byte path.
int64_t count_words(std::string_view text, TextPath path = TextPath::kAuto);

// Case folding for lookups: ASCII lower-casing, and for non-ASCII words NFKC with full
// Unicode case folding (ICU); U+2019 and U+02BC become '\''. `out` is reused scratch.
void fold_word(std::string_view word, std::string& out);

// Calls fn(line, line_no) for each line of `text` (numbered from 1), without its '\n'
// and a trailing '\r'; a last line without '\n' counts too.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    fn(line, ++line_no);
  }
}

// ---- implementation of the template ----

namespace detail {
// ASCII byte classes of the segmentation rules.
enum : uint8_t { kSep = 0, kLetter = 1, kDigit = 2, kApostrophe = 3, kNumPunct = 4, kSpace = 5, kHigh = 6 };
struct ByteClasses {
  uint8_t c[256];
  constexpr ByteClasses() : c{} {
    for (int i = 0; i < 256; ++i) {
      uint8_t k = kSep;
      if ((i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z')) k = kLetter;
      else if (i >= '0' && i <= '9') k = kDigit;
      else if (i == '\'') k = kApostrophe;
      else if (i == '.' || i == ',') k = kNumPunct;
      else if (i == ' ' || i == '\t' || i == '\n' || i == '\r' || i == '\f' || i == '\v') k = kSpace;
      else if (i >= 0x80) k = kHigh;
      c[i] = k;
    }
  }
};
inline constexpr ByteClasses kByteClasses{};
inline uint8_t byte_class(char c) { return kByteClasses.c[static_cast<unsigned char>(c)]; }
inline bool is_word_class(uint8_t k) { return k == kLetter || k == kDigit; }

// True if no byte of s has the high bit set (8 bytes at a time).
inline bool is_ascii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
    p += 8;
    n -= 8;
  }
  while (n--) acc |= static_cast<unsigned char>(*p++);
  return (acc & 0x8080808080808080ull) == 0;
}

// The words of an ASCII-only string as segment_ascii_bytes finds them, 64 bytes at a time
// with AVX2 (vocab/word_count.cc): each next() gives one block's masks, bit k for byte
// 64 * block + k of the string: `start` where a word begins, `end` at a word's last byte.
class AsciiWordBlocks {
 public:
  explicit AsciiWordBlocks(std::string_view s) : s_(s), blocks_((s.size() + 63) / 64) {}
  // False after the last block.
  bool next(uint64_t& start, uint64_t& end);
  // Whether next() may be called: AVX2 on this CPU and PRIMER_KERNELS is not "portable".
  static bool available();
  // The classes of one block's bytes (bit k: byte k; zero past the string's end).
  struct Masks {
    uint64_t word = 0, digit = 0, apostrophe = 0, num_punct = 0;
  };

 private:
  std::string_view s_;
  size_t blocks_, block_ = 0;
  bool primed_ = false;
  // The block next() finishes (it loads the one after).
  Masks cur_;
  uint64_t prev_word_ = 0, prev_digit_ = 0, prev_joiner_ = 0;  // the top bits of the block before
};

// segment_ascii with AsciiWordBlocks: the words in order, without a branch per byte.
template <typename Fn>
inline void segment_ascii_blocks(std::string_view s, Fn& fn) {
  AsciiWordBlocks blocks(s);
  const char* p = s.data();
  size_t base = 0, begin = 0;
  bool open = false;  // a word has begun and not yet ended
  uint64_t start = 0, end = 0;
  while (blocks.next(start, end)) {
    // Starts and ends alternate in the text: the lowest end left is the open word's.
    for (;;) {
      if (!open) {
        if (start == 0) break;
        begin = base + static_cast<size_t>(__builtin_ctzll(start));
        start &= start - 1;
        open = true;
      }
      if (end == 0) break;
      const size_t last = base + static_cast<size_t>(__builtin_ctzll(end));
      end &= end - 1;
      fn(std::string_view(p + begin, last + 1 - begin));
      open = false;
    }
    base += 64;
  }
}

// Segments an ASCII-only string byte by byte (the rules; the portable path).
template <typename Fn>
inline void segment_ascii_bytes(std::string_view s, Fn& fn) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && !is_word_class(byte_class(p[i]))) ++i;
    if (i >= n) break;
    const size_t start = i;
    uint8_t prev = byte_class(p[i++]);
    while (i < n) {
      const uint8_t k = byte_class(p[i]);
      if (is_word_class(k)) {
        prev = k;
        ++i;
        continue;
      }
      if (i + 1 < n) {
        const uint8_t next = byte_class(p[i + 1]);
        if ((k == kApostrophe && is_word_class(next)) || (k == kNumPunct && prev == kDigit && next == kDigit)) {
          prev = next;
          i += 2;
          continue;
        }
      }
      break;
    }
    fn(std::string_view(p + start, i - start));
  }
}

// Segments an ASCII-only string (the fast path): a text of a few blocks 64 bytes at a
// time where the CPU can, a short stretch byte by byte.
template <typename Fn>
inline void segment_ascii(std::string_view s, Fn& fn) {
  // Kept here, not asked per text: available() is a call into word_count.cc, and on this
  // hot path the call alone cost vocab_bench ~10%.
  static const bool kBlocks = AsciiWordBlocks::available();
  if (kBlocks && s.size() >= 64) segment_ascii_blocks(s, fn);
  else segment_ascii_bytes(s, fn);
}
}  // namespace detail

template <typename Fn>
void segment_words(std::string_view text, Fn&& fn, uint64_t* invalid, TextPath path, const Vocabulary* prefer) {
  uint64_t bad = 0;
  using F = std::remove_reference_t<Fn>;
  void* context = const_cast<void*>(static_cast<const void*>(&fn));
  auto sink = [](void* c, std::string_view word) { (*static_cast<F*>(c))(word); };
  if (path == TextPath::kAuto && detail::is_ascii(text)) {
    detail::segment_ascii(text, fn);
  } else if (path == TextPath::kIcuOnly) {
    // Blocks of about 4 KiB cut at ASCII whitespace, which every rule treats as a
    // boundary (and NFKC never joins across).
    size_t i = 0;
    while (i < text.size()) {
      size_t end = std::min(text.size(), i + 4096);
      while (end < text.size() && detail::byte_class(text[end]) != detail::kSpace) ++end;
      bad += detail::segment_unicode(text.substr(i, end - i), sink, context, prefer);
      i = end;
    }
  } else {
    // Stretches between ASCII whitespace: pure ASCII ones take the fast path.
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
      while (i < n && detail::byte_class(text[i]) == detail::kSpace) ++i;
      const size_t start = i;
      bool high = false;
      while (i < n) {
        const uint8_t k = detail::byte_class(text[i]);
        if (k == detail::kSpace) break;
        high |= k == detail::kHigh;
        ++i;
      }
      if (i == start) continue;
      const std::string_view stretch = text.substr(start, i - start);
      if (high) bad += detail::segment_unicode(stretch, sink, context, prefer);
      else detail::segment_ascii(stretch, fn);
    }
  }
  if (invalid) *invalid += bad;
}

}  // namespace primer::vocab
