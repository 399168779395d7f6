// kind = "gopher_repetition": Gopher's repetition rules (Rae et al. 2021, table A1) with
// datatrove's default thresholds. Fractions of characters are of the whole text.
//
//   dup_para_frac       (0.30)  drop "dup_para_frac": share of paragraphs (split at blank
//                               lines) that repeat an earlier one
//   dup_para_char_frac  (0.20)  drop "dup_para_char_frac": their characters
//   dup_line_frac       (0.30)  drop "dup_line_frac": share of repeated lines
//   dup_line_char_frac  (0.20)  drop "dup_line_char_frac": their characters
//   top_2_gram_frac     (0.20)  drop "top_2_gram": characters of the most frequent word
//   top_3_gram_frac     (0.18)    n-gram ("a b", joined by spaces) × its count; likewise
//   top_4_gram_frac     (0.16)    "top_3_gram", "top_4_gram"
//   dup_5_gram_frac     (0.15)  drop "duplicated_5_n_grams": characters (words joined
//   ... dup_10_gram_frac (0.10)   without spaces) of n-grams that repeat an earlier one,
//                               scanning left to right and skipping past each repeat;
//                               0.15, 0.14, 0.13, 0.12, 0.11, 0.10 for n = 5..10
// A threshold of 0 turns its rule off. Words: split_gopher_words (punctuation tokens
// included, as datatrove's word tokenizer gives). N-grams are compared by 64-bit hashes.
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "filters/kinds.h"
#include "filters/text_norm.h"

namespace primer::filters {
namespace {

constexpr std::string_view kTopReasons[] = {"top_2_gram", "top_3_gram", "top_4_gram"};
constexpr std::string_view kDupReasons[] = {"duplicated_5_n_grams", "duplicated_6_n_grams", "duplicated_7_n_grams",
                                            "duplicated_8_n_grams", "duplicated_9_n_grams", "duplicated_10_n_grams"};
constexpr const char* kTopKeys[] = {"top_2_gram_frac", "top_3_gram_frac", "top_4_gram_frac"};
constexpr const char* kDupKeys[] = {"dup_5_gram_frac", "dup_6_gram_frac", "dup_7_gram_frac",
                                    "dup_8_gram_frac", "dup_9_gram_frac", "dup_10_gram_frac"};

struct Thresholds {
  double dup_para = 0.30, dup_para_char = 0.20, dup_line = 0.30, dup_line_char = 0.20;
  std::array<double, 3> top = {0.20, 0.18, 0.16};
  std::array<double, 6> dup = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10};
};

// Pieces of text between separators of `min_newlines` or more '\n' (empty pieces kept
// only in the middle, as Python's re.split does at the ends after strip()).
void split_runs(std::string_view text, size_t min_newlines, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] != '\n') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] == '\n') ++j;
    if (j - i >= min_newlines) {
      out.push_back(text.substr(start, i - start));
      start = j;
    }
    i = j;
  }
  out.push_back(text.substr(start));
}

// A word of at most 8 bytes: its bytes and length, mixed.
uint64_t short_hash(std::string_view w) {
  uint64_t v = 0;
  std::memcpy(&v, w.data(), w.size());
  v ^= uint64_t(w.size()) << 59;
  v *= 0x9E3779B97F4A7C15ull;
  return v ^ (v >> 31);
}

// (repeated elements, their characters): an element is repeated when it occurred before.
std::pair<size_t, size_t> find_duplicates(const std::vector<std::string_view>& items) {
  std::unordered_set<std::string_view> seen;
  size_t n = 0, chars = 0;
  for (auto s : items)
    if (!seen.insert(s).second) {
      ++n;
      chars += s.size();
    }
  return {n, chars};
}

// Counts 64-bit n-gram hashes of one document: open addressing, cleared per use (the
// std containers cost ten times more here).
class FlatCounter {
 public:
  // Empties the table (by a new epoch, not by clearing it) with room for n keys.
  void reset(size_t n) {
    size_t cap = 64;
    while (cap < 2 * n + 2) cap *= 2;
    if (cap > slots_.size() || ++epoch_ == 0) {
      slots_.assign(std::max(cap, slots_.size()), Slot{});
      epoch_ = 1;
    }
    mask_ = cap - 1;
  }
  // Adds one occurrence of h; returns its count so far.
  uint32_t add(uint64_t h) {
    size_t i = (h ^ (h >> 29)) & mask_;
    while (slots_[i].stamp == epoch_ && slots_[i].key != h) i = (i + 1) & mask_;
    Slot& s = slots_[i];
    if (s.stamp != epoch_) {
      s.stamp = epoch_;
      s.key = h;
      s.count = 0;
    }
    return ++s.count;
  }

 private:
  struct Slot {  // 16 bytes: a probe reads one cache line
    uint64_t key = 0;
    uint32_t count = 0, stamp = 0;
  };
  std::vector<Slot> slots_;
  uint32_t epoch_ = 0;
  size_t mask_ = 0;
};

class GopherRepetitionFilter final : public Filter {
 public:
  explicit GopherRepetitionFilter(Thresholds t) : t_(t) {}
  std::string_view name() const override { return "gopher_repetition"; }
  std::vector<std::string_view> reasons() const override {
    std::vector<std::string_view> r = {"dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac"};
    for (auto s : kTopReasons) r.push_back(s);
    for (auto s : kDupReasons) r.push_back(s);
    return r;
  }

  Verdict check(const Doc& doc) const override {
    const std::string_view text = doc.text();
    if (text.empty()) return Verdict::Keep();
    const double len = double(text.size());
    thread_local std::vector<std::string_view> pieces;
    std::string_view stripped = text;
    auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (!stripped.empty() && ws(stripped.front())) stripped.remove_prefix(1);
    while (!stripped.empty() && ws(stripped.back())) stripped.remove_suffix(1);
    split_runs(stripped, 2, pieces);
    auto [pd, pc] = find_duplicates(pieces);
    if (t_.dup_para > 0 && double(pd) / double(pieces.size()) > t_.dup_para) return Verdict::Drop("dup_para_frac");
    if (t_.dup_para_char > 0 && double(pc) / len > t_.dup_para_char) return Verdict::Drop("dup_para_char_frac");
    split_runs(text, 1, pieces);
    auto [ld, lc] = find_duplicates(pieces);
    if (t_.dup_line > 0 && double(ld) / double(pieces.size()) > t_.dup_line) return Verdict::Drop("dup_line_frac");
    if (t_.dup_line_char > 0 && double(lc) / len > t_.dup_line_char) return Verdict::Drop("dup_line_char_frac");

    thread_local std::vector<std::string_view> words;
    thread_local std::vector<uint64_t> wh;
    thread_local std::vector<uint32_t> prefix;  // prefix[i]: characters of words[0..i)
    split_gopher_words(text, words);
    wh.resize(words.size());
    prefix.resize(words.size() + 1);
    prefix[0] = 0;
    for (size_t i = 0; i < words.size(); ++i) {
      wh[i] = words[i].size() <= 8 ? short_hash(words[i]) : XXH3_64bits(words[i].data(), words[i].size());
      prefix[i + 1] = prefix[i] + static_cast<uint32_t>(words[i].size());
    }
    // grams[i]: a hash of words[i, i + n), extended by one word per n in place (one
    // multiply per word and n instead of n).
    thread_local std::vector<uint64_t> grams;
    grams.resize(words.size());
    for (size_t i = 0; i < words.size(); ++i) grams[i] = (0x9E3779B97F4A7C15ull ^ wh[i]) * 0xBF58476D1CE4E5B9ull;
    auto extend_to = [&](size_t n) {  // grams of n - 1 words -> of n words
      for (size_t i = 0; i + n <= words.size(); ++i)
        grams[i] = (grams[i] ^ wh[i + n - 1]) * 0xBF58476D1CE4E5B9ull + (n - 1);
    };
    thread_local FlatCounter counts;
    for (size_t n = 2; n <= 4; ++n) {
      extend_to(n);
      const double limit = t_.top[n - 2];
      if (limit <= 0 || words.size() < n) continue;
      counts.reset(words.size());
      uint32_t best = 0;
      size_t best_at = 0;
      for (size_t i = 0; i + n <= words.size(); ++i) {
        const uint32_t c = counts.add(grams[i]);
        if (c > best) {
          best = c;
          best_at = i;
        }
      }
      const double chars = double(prefix[best_at + n] - prefix[best_at] + (n - 1)) * best;
      if (chars / len > limit) return Verdict::Drop(kTopReasons[n - 2]);
    }
    for (size_t n = 5; n <= 10; ++n) {
      extend_to(n);
      const double limit = t_.dup[n - 5];
      if (limit <= 0) continue;
      counts.reset(words.size());
      size_t repeated = 0;
      for (size_t i = 0; i + n <= words.size();) {
        if (counts.add(grams[i]) > 1) {
          repeated += prefix[i + n] - prefix[i];
          i += n;
        } else {
          ++i;
        }
      }
      if (double(repeated) / len > limit) return Verdict::Drop(kDupReasons[n - 5]);
    }
    return Verdict::Keep();
  }

 private:
  Thresholds t_;
};

}  // namespace

std::unique_ptr<Filter> make_gopher_repetition_filter(FilterSettings& s, const FilterContext&) {
  Thresholds t;
  auto read = [&](const char* key, double& v) { v = s.share(key, " (0: rule off)").value_or(v); };
  read("dup_para_frac", t.dup_para);
  read("dup_para_char_frac", t.dup_para_char);
  read("dup_line_frac", t.dup_line);
  read("dup_line_char_frac", t.dup_line_char);
  for (size_t i = 0; i < 3; ++i) read(kTopKeys[i], t.top[i]);
  for (size_t i = 0; i < 6; ++i) read(kDupKeys[i], t.dup[i]);
  return std::make_unique<GopherRepetitionFilter>(t);
}

}  // namespace primer::filters
