#include "vocab/vocabulary.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "vocab/segment_unicode.h"

namespace primer::vocab {
namespace {

using detail::is_spaceless;
using detail::is_word_char;

constexpr std::string_view kPosNames[kPosCount] = {"noun", "verb", "adj", "adv", "func", "name"};
constexpr std::string_view kFormKeys[kFormCount] = {"", "pl", "s", "past", "pp", "ing", "cmp", "sup", "ly"};
constexpr Pos kFormPos[kFormCount] = {Pos::kNoun, Pos::kNoun, Pos::kVerb, Pos::kVerb, Pos::kVerb,
                                      Pos::kVerb, Pos::kAdj,  Pos::kAdj,  Pos::kAdj};

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Consonant-vowel-consonant ending of a one-syllable word: the final consonant doubles
// before -ed/-ing/-er ("run" → "running", "big" → "bigger", but "rain", "visit", "fix").
bool doubles_final(std::string_view w) {
  if (w.size() < 3) return false;
  const char last = w[w.size() - 1], mid = w[w.size() - 2], first = w[w.size() - 3];
  if (is_vowel(last) || last == 'w' || last == 'x' || last == 'y') return false;
  if (!is_vowel(mid) || is_vowel(first)) return false;
  int groups = 0;
  bool in_vowel = false;
  for (char c : w) {
    const bool v = is_vowel(c);
    if (v && !in_vowel) ++groups;
    in_vowel = v;
  }
  return groups == 1;
}

bool consonant_y(std::string_view w) { return w.size() >= 2 && w.back() == 'y' && !is_vowel(w[w.size() - 2]); }

std::string add_s(std::string_view w, bool verb) {
  std::string s(w);
  if (w.ends_with("s") || w.ends_with("x") || w.ends_with("z") || w.ends_with("ch") || w.ends_with("sh") ||
      (verb && w.ends_with("o") && w.size() > 1 && !is_vowel(w[w.size() - 2])))
    return s + "es";
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ies";
  return s + "s";
}

// Shared by -ed and -er: "bake" → "baked"/"baker", "cry" → "cried", "stop" → "stopped".
std::string add_e_suffix(std::string_view w, std::string_view rest /* "d" or "r" or "st" */) {
  std::string s(w);
  if (w.ends_with("e")) return s + std::string(rest);
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ie" + std::string(rest);
  if (doubles_final(w)) return s + s.back() + "e" + std::string(rest);
  return s + "e" + std::string(rest);
}

std::string add_ing(std::string_view w) {
  std::string s(w);
  if (w.ends_with("ie")) return s.substr(0, s.size() - 2) + "ying";
  if (w.ends_with("e") && !w.ends_with("ee") && !w.ends_with("ye") && !w.ends_with("oe") && w.size() > 2)
    return s.substr(0, s.size() - 1) + "ing";
  if (doubles_final(w)) return s + s.back() + "ing";
  return s + "ing";
}

std::string add_ly(std::string_view w) {
  std::string s(w);
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ily";
  if (w.ends_with("le") && w.size() > 2 && !is_vowel(w[w.size() - 3])) return s.substr(0, s.size() - 1) + "y";
  if (w.ends_with("ll")) return s + "y";
  return s + "ly";
}

std::vector<std::string> split_commas(std::string_view v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    if (comma > start) out.emplace_back(v.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// 64-bit hash of a short key, 8 bytes at a time.
inline uint64_t hash_key(std::string_view key) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94d049bb133111ebull;
  h ^= h >> 29;
  return h;
}

// True for "42", "3.5", "1,000", "3rd", "1990s" (already folded).
bool is_number(std::string_view w) {
  size_t i = 0;
  while (i < w.size() && ((w[i] >= '0' && w[i] <= '9') || w[i] == '.' || w[i] == ',')) ++i;
  if (i == 0 || !(w[0] >= '0' && w[0] <= '9')) return false;
  const std::string_view rest = w.substr(i);
  return rest.empty() || rest == "st" || rest == "nd" || rest == "rd" || rest == "th" || rest == "s";
}

const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* p = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU: cannot load NFKC_Casefold data");
    return p;
  }();
  return *n;
}

// True if every code point of a well-formed UTF-8 word is a word character written
// without spaces; `cps` receives the number of code points.
bool all_spaceless(std::string_view w, size_t& cps) {
  const auto* p = reinterpret_cast<const uint8_t*>(w.data());
  const auto n = static_cast<int32_t>(w.size());
  cps = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !is_word_char(c) || !is_spaceless(c) || (U_GET_GC_MASK(c) & U_GC_ND_MASK)) return false;
    ++cps;
  }
  return cps > 0;
}

// A BCP 47 tag's shape: subtags of 1-8 ASCII letters or digits joined by '-', the first
// 2-3 letters ("zh", "pt-BR", "zh-Hant", "sr-Latn-RS").
bool valid_language_tag(std::string_view tag) {
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dash = tag.find('-', start);
    if (dash == std::string_view::npos) dash = tag.size();
    const std::string_view sub = tag.substr(start, dash - start);
    if (sub.empty() || sub.size() > 8) return false;
    for (char ch : sub) {
      const bool letter = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z', digit = ch >= '0' && ch <= '9';
      if (!letter && !(digit && !first)) return false;
    }
    if (first && (sub.size() < 2 || sub.size() > 3)) return false;
    first = false;
    if (dash == tag.size()) return true;
    start = dash + 1;
  }
}

// A name is matched when written with a capital, or when its first letter has no case
// (Han, kana, Thai, Arabic, ...). A name in the list must pass this too.
bool name_case_ok(std::string_view word) {
  if (word.empty()) return false;
  const auto c0 = static_cast<unsigned char>(word[0]);
  if (c0 < 0x80) return c0 >= 'A' && c0 <= 'Z';
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(p, i, static_cast<int32_t>(word.size()), c);
  return c >= 0 && (u_isupper(c) || u_istitle(c) || (u_isalpha(c) && !u_hasBinaryProperty(c, UCHAR_CASED)));
}

}  // namespace

// ---------------------------------------------------------------------------------
// Flat open-addressing hash tables: folded surface form → lemma indices, and folded
// name → entry index. Keys live in one string, values in one array.
// ---------------------------------------------------------------------------------
struct Vocabulary::Index {
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0, key_len = 0;  // key_len 0: empty slot
    uint32_t val_off = 0, val_len = 0;
  };
  struct Table {
    std::vector<Slot> slots;
    uint64_t mask = 0;
    std::string keys;
    std::vector<uint32_t> values;
    size_t size = 0;

    void build(const std::map<std::string, std::vector<uint32_t>>& items) {
      size_t cap = 16;
      while (cap < items.size() * 2) cap <<= 1;
      slots.assign(cap, Slot{});
      mask = cap - 1;
      size = items.size();
      for (const auto& [key, vals] : items) {
        Slot s;
        s.hash = hash_key(key);
        s.key_off = static_cast<uint32_t>(keys.size());
        s.key_len = static_cast<uint32_t>(key.size());
        s.val_off = static_cast<uint32_t>(values.size());
        s.val_len = static_cast<uint32_t>(vals.size());
        keys += key;
        values.insert(values.end(), vals.begin(), vals.end());
        uint64_t i = s.hash & mask;
        while (slots[i].key_len != 0) i = (i + 1) & mask;
        slots[i] = s;
      }
      keys.append(8, '\0');  // find_words() reads whole 8-byte words, up to 7 bytes past a key
    }
    // Always inlined into classify (one probe per word on the English hot path).
    [[gnu::always_inline]] const Slot* find(std::string_view key) const {
      if (key.empty() || slots.empty()) return nullptr;
      const uint64_t h = hash_key(key);
      for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& s = slots[i];
        if (s.key_len == 0) return nullptr;
        if (s.hash == h && s.key_len == key.size() && std::memcmp(keys.data() + s.key_off, key.data(), key.size()) == 0)
          return &s;
      }
    }
    // find() for a key given as its n / 8 whole 8-byte words and the n % 8 bytes after
    // them in `tail` (zero above): hashed as hash_key() hashes it and compared 8 bytes at
    // a time, in registers, with no call.
    [[gnu::always_inline]] const Slot* find_words(const uint64_t* words, uint64_t tail, size_t n) const {
      static_assert(std::endian::native == std::endian::little, "the tail mask keeps the first bytes");
      const size_t full = n / 8;
      uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
      for (size_t j = 0; j < full; ++j) {
        h = (h ^ words[j]) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
      }
      h = (h ^ tail) * 0x94d049bb133111ebull;
      h ^= h >> 29;
      const uint64_t tail_mask = n % 8 ? ~uint64_t(0) >> (8 * (8 - n % 8)) : 0;
      for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& s = slots[i];
        if (s.key_len == 0) return nullptr;
        if (s.hash != h || s.key_len != n) continue;
        const char* k = keys.data() + s.key_off;  // keys end with 8 zero bytes: a load never runs past them
        uint64_t diff = 0;
        for (size_t j = 0; j < full; ++j) {
          uint64_t a;
          std::memcpy(&a, k + 8 * j, 8);
          diff |= a ^ words[j];
        }
        uint64_t a;
        std::memcpy(&a, k + 8 * full, 8);
        diff |= (a ^ tail) & tail_mask;  // the stored key runs on into the next one
        if (diff == 0) return &s;
      }
    }
    std::span<const uint32_t> lookup(std::string_view key) const {
      const Slot* s = find(key);
      if (!s) return {};
      return {values.data() + s->val_off, s->val_len};
    }
  };
  Table forms, names;
  Table lemmas;  // "pos:lemma" → its entry (find(), called per record by primer filter)
  // The longest surface form or name, in code points, made only of characters of scripts
  // written without spaces: how far split_spaceless looks ahead. 0: the list has none.
  size_t spaceless_max = 0;
};

std::optional<std::string_view> language_directive(std::string_view line) {
  auto trim = [](std::string_view x) {
    while (!x.empty() && (x.front() == ' ' || x.front() == '\t')) x.remove_prefix(1);
    while (!x.empty() && (x.back() == ' ' || x.back() == '\t' || x.back() == '\r')) x.remove_suffix(1);
    return x;
  };
  line = trim(line);
  if (!line.starts_with('#')) return std::nullopt;
  line = trim(line.substr(1));
  if (!line.starts_with("language:")) return std::nullopt;
  return trim(line.substr(9));
}

std::string_view pos_name(Pos pos) { return kPosNames[static_cast<int>(pos)]; }
bool parse_pos(std::string_view name, Pos& pos) {
  const auto it = std::find(std::begin(kPosNames), std::end(kPosNames), name);
  if (it == std::end(kPosNames)) return false;
  pos = static_cast<Pos>(it - std::begin(kPosNames));
  return true;
}
std::string_view form_key(Form form) { return kFormKeys[static_cast<int>(form)]; }

bool Entry::has_category(std::string_view c) const {
  return std::find(categories.begin(), categories.end(), c) != categories.end();
}

std::vector<std::string> Entry::surface_forms() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const auto& f : forms) add(f);
  for (const auto& f : also) add(f);
  return out;
}

std::string inflect_regular(std::string_view w, Form form) {
  switch (form) {
    case Form::kBase: return std::string(w);
    case Form::kPlural: return add_s(w, false);
    case Form::kThird: return add_s(w, true);
    case Form::kPast:
    case Form::kParticiple: return add_e_suffix(w, "d");
    case Form::kIng: return add_ing(w);
    case Form::kComparative: return add_e_suffix(w, "r");
    case Form::kSuperlative: return add_e_suffix(w, "st");
    case Form::kAdverb: return add_ly(w);
  }
  return std::string(w);
}

void fold_word(std::string_view word, std::string& out) {
  out.clear();
  if (detail::is_ascii(word)) {
    out.assign(word);  // then lower-cased in place (resize() would zero it first)
    for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    return;
  }
  std::string folded;
  {
    UErrorCode status = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&folded);
    nfkc_casefold().normalizeUTF8(0, icu::StringPiece(word.data(), static_cast<int32_t>(word.size())), sink, nullptr,
                                  status);
    if (U_FAILURE(status)) folded.assign(word);  // ill-formed input: keep the bytes
  }
  for (size_t i = 0; i < folded.size(); ++i) {
    if (folded.compare(i, 3, "\xE2\x80\x99") == 0) {
      out.push_back('\'');
      i += 2;
    } else if (folded.compare(i, 2, "\xCA\xBC") == 0) {
      out.push_back('\'');
      i += 1;
    } else {
      out.push_back(folded[i]);
    }
  }
}

std::string_view strip_clitic(std::string_view w) {
  static constexpr std::string_view kSuffixes[] = {"n't", "'s", "'ll", "'re", "'ve", "'d", "'m", "'"};
  for (auto suf : kSuffixes) {
    if (w.size() > suf.size() && w.ends_with(suf)) {
      std::string_view base = w.substr(0, w.size() - suf.size());
      if (suf == "n't") {
        if (base == "ca") return "can";
        if (base == "wo") return "will";
        if (base == "sha") return "shall";
        if (base == "ai") return "be";
      }
      return base;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------

Vocabulary::Vocabulary() : index_(std::make_unique<Index>()) {}
Vocabulary::~Vocabulary() = default;
Vocabulary::Vocabulary(const Vocabulary& other)
    : entries_(other.entries_), index_(std::make_unique<Index>(*other.index_)) {
  for (int p = 0; p < kPosCount; ++p) by_pos_[p] = other.by_pos_[p];
}
Vocabulary& Vocabulary::operator=(const Vocabulary& other) {
  if (this != &other) *this = Vocabulary(other);
  return *this;
}
Vocabulary::Vocabulary(Vocabulary&&) noexcept = default;
Vocabulary& Vocabulary::operator=(Vocabulary&&) noexcept = default;

Vocabulary Vocabulary::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw VocabError("cannot read vocabulary list " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw VocabError("cannot read vocabulary list " + path.string());
  return parse(ss.str(), path.string());
}

Vocabulary Vocabulary::parse(std::string_view text, std::string_view origin) {
  Vocabulary v;
  std::map<std::string, std::vector<uint32_t>> lemma_index;  // "pos:lemma" → entry, to find duplicates
  size_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](const std::string& what) {
    throw VocabError(std::string(origin) + ":" + std::to_string(line_no) + ": " + what);
  };
  bool language_seen = false;
  std::string scratch;
  auto fold = [&](std::string_view s) {
    fold_word(s, scratch);
    return scratch;
  };
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a UTF-8 byte order mark (Windows editors write one)
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!valid_utf8(line)) fail("not valid UTF-8");
    if (const auto directive = language_directive(line)) {
      const std::string_view tag = *directive;
      if (!valid_language_tag(tag))
        fail("malformed language '" + std::string(tag) + "' (a BCP 47 tag such as en, zh, ja, th, pt-BR)");
      if (language_seen) fail("'# language:' given twice");
      language_seen = true;
      v.language_.assign(tag);
      for (char& ch : v.language_) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + ('a' - 'A')) : ch;
      if (v.language_ != "en" && !v.entries_.empty())
        fail("'# language:' must come before the first entry (the entries above it used English rules)");
      v.english_ = v.language_ == "en";
      continue;
    }
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    if (fields.empty()) continue;
    if (fields.size() < 2) fail("expected 'lemma pos [key=value ...]', got '" + std::string(line) + "'");

    Entry e;
    e.line = static_cast<uint32_t>(line_no);
    e.lemma = std::string(fields[0]);
    if (!parse_pos(fields[1], e.pos))
      fail("unknown part of speech '" + std::string(fields[1]) + "' (expected noun, verb, adj, adv, func or name)");
    for (char c : e.lemma)
      if (c == '=' || c == ',' || c == '_' || c == '\'')
        fail("malformed lemma '" + e.lemma + "' (one word, no '=', ',', '_' or apostrophe)");

    const std::string base = e.pos == Pos::kName ? e.lemma : fold(e.lemma);
    e.forms[static_cast<int>(Form::kBase)] = base;
    if (v.english_) {
      auto set = [&](Form f) { e.forms[static_cast<int>(f)] = inflect_regular(base, f); };
      if (e.pos == Pos::kNoun) set(Form::kPlural);
      if (e.pos == Pos::kVerb) {
        set(Form::kThird);
        set(Form::kPast);
        set(Form::kParticiple);
        set(Form::kIng);
      }
      if (e.pos == Pos::kAdj) {
        set(Form::kComparative);
        set(Form::kSuperlative);
        set(Form::kAdverb);
      }
    }
    bool pp_given = false;
    bool seen[16] = {};
    for (size_t f = 2; f < fields.size(); ++f) {
      const size_t eq = fields[f].find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == fields[f].size())
        fail("expected key=value, got '" + std::string(fields[f]) + "'");
      const std::string_view key = fields[f].substr(0, eq), value = fields[f].substr(eq + 1);
      int form = -1;
      for (int k = 1; k < kFormCount; ++k)
        if (kFormKeys[k] == key) form = k;
      const int slot = form >= 0 ? form : key == "cat" ? 10 : key == "also" ? 11 : -1;
      if (slot < 0)
        fail("unknown key '" + std::string(key) + "' (expected pl, s, past, pp, ing, cmp, sup, ly, also or cat)");
      if (seen[slot]) fail("key '" + std::string(key) + "' given twice");
      seen[slot] = true;
      if (form >= 0) {
        if (kFormPos[form] != e.pos)
          fail("key '" + std::string(key) + "' applies to " + std::string(pos_name(kFormPos[form])) + ", not " +
               std::string(pos_name(e.pos)));
        if (value.find(',') != std::string_view::npos)
          fail("key '" + std::string(key) + "' takes one form; use also= for more");
        e.forms[form] = fold(value);
        e.overridden |= static_cast<uint16_t>(1u << form);
        if (form == static_cast<int>(Form::kParticiple)) pp_given = true;
        if (form == static_cast<int>(Form::kPast) && !pp_given)
          e.forms[static_cast<int>(Form::kParticiple)] = fold(value);
      } else if (key == "cat") {
        e.categories = split_commas(value);
      } else {
        for (auto& s : split_commas(value)) e.also.push_back(fold(s));
      }
    }
    if (e.pos == Pos::kName && !e.lemma.empty() && !name_case_ok(e.lemma)) {
      // A name must start with a capital letter (it is matched only when capitalised),
      // unless its script has no case.
      fail("name '" + e.lemma + "' must start with a capital letter");
    }

    const std::string index_key = std::string(pos_name(e.pos)) + ":" + (e.pos == Pos::kName ? fold(e.lemma) : base);
    if (lemma_index.count(index_key)) fail("duplicate entry '" + e.lemma + "' (" + std::string(pos_name(e.pos)) + ")");
    const auto index = static_cast<uint32_t>(v.entries_.size());
    lemma_index.emplace(index_key, std::vector<uint32_t>{index});
    v.by_pos_[static_cast<int>(e.pos)].push_back(index);
    v.entries_.push_back(std::move(e));
  }
  if (v.entries_.empty())
    throw VocabError(std::string(origin) +
                     ": the vocabulary list has no words (one 'lemma pos [key=value ...]' a line)");

  std::map<std::string, std::vector<uint32_t>> forms, names;
  for (uint32_t index = 0; index < v.entries_.size(); ++index) {
    const Entry& e = v.entries_[index];
    if (e.pos == Pos::kName) {
      names[fold(e.lemma)].push_back(index);
      continue;
    }
    for (const auto& f : e.surface_forms()) {
      auto& list = forms[f];
      if (std::find(list.begin(), list.end(), index) == list.end()) list.push_back(index);
    }
  }
  v.index_->forms.build(forms);
  v.index_->names.build(names);
  v.index_->lemmas.build(lemma_index);
  for (const auto* table : {&forms, &names})
    for (const auto& item : *table)
      if (size_t cps = 0; all_spaceless(item.first, cps))
        v.index_->spaceless_max = std::max(v.index_->spaceless_max, cps);
  return v;
}

// ---------------------------------------------------------------------------------
// Lookups and scoring
// ---------------------------------------------------------------------------------

int64_t Vocabulary::find(std::string_view lemma, Pos pos) const {
  thread_local std::string folded, key;  // no allocation per call (primer filter calls this per record)
  fold_word(lemma, folded);
  key.assign(pos_name(pos));
  key += ':';
  key += folded;
  const std::span<const uint32_t> entry = index_->lemmas.lookup(key);
  return entry.empty() ? -1 : static_cast<int64_t>(entry[0]);
}

size_t Vocabulary::surface_form_count() const { return index_->forms.size; }

std::span<const uint32_t> Vocabulary::lemmas_of(std::string_view lower) const { return index_->forms.lookup(lower); }

bool Vocabulary::is_name(std::string_view word) const {
  if (!name_case_ok(word)) return false;
  std::string lower;
  fold_word(word, lower);
  if (index_->names.find(lower)) return true;
  const std::string_view base = english_ ? strip_clitic(lower) : std::string_view();
  return !base.empty() && index_->names.find(base);
}

// The analysis of one token. `folded` receives the folded word; `report_len` the length
// of its prefix that is reported for an out-of-vocabulary token (clitic stripped).
TokenKind Vocabulary::classify(std::string_view word, std::string& folded, std::span<const uint32_t>& lemmas,
                               size_t& report_len) const {
  lemmas = {};
  fold_word(word, folded);
  report_len = folded.size();
  if (folded.empty()) return TokenKind::kOov;
  if (const auto* s = index_->forms.find(folded)) {
    lemmas = {index_->forms.values.data() + s->val_off, s->val_len};
    return TokenKind::kWord;
  }
  const char f0 = folded[0];
  if (f0 >= '0' && f0 <= '9' && is_number(folded)) return TokenKind::kNumber;
  const std::string_view base = english_ ? strip_clitic(folded) : std::string_view();
  if (name_case_ok(word) && (index_->names.find(folded) || (!base.empty() && index_->names.find(base))))
    return TokenKind::kName;
  if (!base.empty()) {
    if (const auto* s = index_->forms.find(base)) {
      lemmas = {index_->forms.values.data() + s->val_off, s->val_len};
      return TokenKind::kWord;
    }
    if (f0 >= '0' && f0 <= '9' && is_number(base)) return TokenKind::kNumber;
    report_len = base.size();
  }
  return TokenKind::kOov;
}

// classify()'s common case without a string: a short ASCII word that is a listed form
// once lower-cased (ASCII folding is lower-casing). False: classify() decides (a false
// here is never wrong, only slower).
bool Vocabulary::listed_ascii(std::string_view word, std::span<const uint32_t>& lemmas, const char* text_end) const {
  constexpr size_t kShort = 32;
  const size_t n = word.size();
  if (n == 0 || n > kShort || index_->forms.slots.empty()) return false;
  // Lower-cased 8 bytes at a time in registers (byte stores read back as words would
  // stall store forwarding): a byte c of a word without bit 7 set is 'A'..'Z' when
  // c + 0x3F sets bit 7 and c + 0x25 does not; adding 0x20 lower-cases it.
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const auto lower = [](uint64_t x) { return x | ((((x + kOnes * 0x3F) & ~(x + kOnes * 0x25)) & kHigh) >> 2); };
  uint64_t words[kShort / 8];
  uint64_t high = 0;
  const size_t full = n / 8;
  for (size_t j = 0; j < full; ++j) {
    uint64_t x;
    std::memcpy(&x, word.data() + 8 * j, 8);
    high |= x;
    words[j] = lower(x);
  }
  // The last n % 8 bytes in one load and a mask where the text allows (a byte loop ends
  // after a different count for each word: a mispredicted branch; vocab_bench 515 -> 590
  // MB/s), else byte by byte.
  uint64_t tail = 0;
  const char* at = word.data() + 8 * full;
  if (text_end && text_end - at >= 8) {
    std::memcpy(&tail, at, 8);
    tail &= n % 8 ? ~uint64_t(0) >> (8 * (8 - n % 8)) : 0;
  } else {
    for (size_t k = 8 * full; k < n; ++k) tail |= uint64_t(static_cast<unsigned char>(word[k])) << (8 * (k - 8 * full));
  }
  if ((high | tail) & kHigh) return false;
  const auto* s = index_->forms.find_words(words, lower(tail), n);
  if (!s) return false;
  lemmas = {index_->forms.values.data() + s->val_off, s->val_len};
  return true;
}

// Runs of scripts written without spaces: the list's own words first (see
// detail::split_listed, vocab/segment_unicode.h); ICU's dictionary if the list has none.
void Vocabulary::split_spaceless(std::string_view run, detail::WordSink sink, void* context) const {
  detail::Pieces pieces;  // emitted once the scratch is done with: the sink may segment again on this thread
  if (index_->spaceless_max == 0) {
    detail::icu_split(run, 0, pieces);
  } else {
    auto listed = [](const void* self, std::string_view w) {
      const Index& index = *static_cast<const Index*>(self);
      return index.forms.find(w) != nullptr || index.names.find(w) != nullptr;
    };
    detail::split_listed(run, index_->spaceless_max, listed, index_.get(), pieces);
  }
  for (const auto& [b, e] : pieces) sink(context, run.substr(b, e - b));
}

bool Vocabulary::accepts(std::string_view word) const {
  std::string folded;
  std::span<const uint32_t> lemmas;
  size_t report_len = 0;
  return classify(word, folded, lemmas, report_len) != TokenKind::kOov;
}

Conformance Vocabulary::score(std::string_view text, std::span<const uint32_t> watch, TextPath path) const {
  Conformance c;
  std::string folded;
  folded.reserve(64);
  const size_t n_watch = std::min<size_t>(watch.size(), 32);
  const auto text_begin = reinterpret_cast<std::uintptr_t>(text.data());
  const char* const text_end = text.data() + text.size();
  segment_words(
      text,
      [&](std::string_view word) {
        ++c.tokens;
        std::span<const uint32_t> lemmas;
        // The ASCII paths' words are views of the text; segment_unicode's may be copies.
        const auto at = reinterpret_cast<std::uintptr_t>(word.data());
        const bool within = at >= text_begin && at <= text_begin + text.size();
        if (!listed_ascii(word, lemmas, within ? text_end : nullptr)) {
          size_t report_len = 0;
          if (classify(word, folded, lemmas, report_len) == TokenKind::kOov) {
            ++c.oov_tokens;
            c.oov_words.emplace_back(folded.data(), report_len);
            return;
          }
        }
        for (size_t i = 0; i < n_watch; ++i)
          for (uint32_t l : lemmas)
            if (l == watch[i]) c.found_mask |= 1u << i;
      },
      &c.invalid_utf8, path, this);
  return c;
}

bool Vocabulary::mentions(std::string_view text, uint32_t index) const {
  const uint32_t watch[1] = {index};
  return score(text, watch).found_mask & 1u;
}

uint64_t Vocabulary::for_each_token(std::string_view text, const std::function<void(const Token&)>& fn,
                                    TextPath path) const {
  uint64_t invalid = 0;
  std::string folded;
  segment_words(
      text,
      [&](std::string_view word) {
        Token t;
        size_t report_len = 0;
        t.text = word;
        t.kind = classify(word, folded, t.lemmas, report_len);
        t.folded = std::string_view(folded).substr(0, t.kind == TokenKind::kOov ? report_len : folded.size());
        fn(t);
      },
      &invalid, path, this);
  return invalid;
}

}  // namespace primer::vocab
