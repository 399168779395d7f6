// kind = "gopher_quality": Gopher's quality rules (Rae et al. 2021) with datatrove's
// default thresholds. Words are split_gopher_words tokens; "symbol words" are tokens of
// ASCII punctuation only.
//
//   min_doc_words        (50)      drop "short_doc": fewer non-symbol words
//   max_doc_words        (100000)  drop "long_doc": more
//   min_avg_word_length  (3)       drop "below_avg_word_length": mean characters per
//   max_avg_word_length  (10)      drop "above_avg_word_length":   non-symbol word
//   max_symbol_word_ratio (0.1)    drop "too_many_hashes" ('#' per word), or
//                                  "too_many_ellipsis" ("..." and "…" per word)
//   max_bullet_lines_ratio (0.9)   drop "too_many_bullets": lines starting with • or -
//   max_ellipsis_lines_ratio (0.3) drop "too_many_end_ellipsis": lines ending in ... or …
//   max_non_alpha_words_ratio (0.8) drop "below_alpha_threshold" when fewer than this
//                                  share of words contain a letter (the name is
//                                  datatrove's); here, as in the Gopher paper, words are
//                                  whitespace-separated, so the punctuation of dialogue
//                                  ("Yes!" said Tom.) does not count against a story
//   min_stop_words       (2)       drop "few_stop_words": fewer occurrences of the, be,
//                                  to, of, and, that, have, with (any case)
// A threshold of 0 turns its rule off.
#include <string>

#include "filters/kinds.h"
#include "filters/text_norm.h"

namespace primer::filters {
namespace {

struct Limits {
  int64_t min_words = 50, max_words = 100000;
  double min_avg = 3, max_avg = 10, max_symbol = 0.1, max_bullet = 0.9, max_ellipsis_lines = 0.3, alpha = 0.8;
  int64_t min_stop = 2;
};

bool is_stop_word(std::string_view w) {
  if (w.size() < 2 || w.size() > 4) return false;
  char b[4];
  for (size_t i = 0; i < w.size(); ++i) b[i] = static_cast<char>(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
  const std::string_view l(b, w.size());
  return l == "the" || l == "be" || l == "to" || l == "of" || l == "and" || l == "that" || l == "have" || l == "with";
}

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

bool has_letter(std::string_view w) {
  for (char c : w) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0xC0) return true;  // non-ASCII lead bytes: letters
  }
  return false;
}

class GopherQualityFilter final : public Filter {
 public:
  explicit GopherQualityFilter(Limits l) : l_(l) {}
  std::string_view name() const override { return "gopher_quality"; }
  std::vector<std::string_view> reasons() const override {
    return {
        "short_doc",         "long_doc",         "below_avg_word_length", "above_avg_word_length", "too_many_hashes",
        "too_many_ellipsis", "too_many_bullets", "too_many_end_ellipsis", "below_alpha_threshold", "few_stop_words"};
  }

  Verdict check(const Doc& doc) const override {
    const std::string_view text = doc.text();
    thread_local std::vector<std::string_view> words;
    split_gopher_words(text, words);
    size_t non_symbol = 0, chars = 0, stop = 0;
    for (auto w : words) {
      bool symbol = true;
      for (char c : w) symbol = symbol && is_ascii_punct(c);
      if (!symbol) {
        ++non_symbol;
        chars += w.size();
      }
      stop += is_stop_word(w);
    }
    size_t chunks = 0, alpha = 0;  // whitespace-separated words, and those with a letter
    for (size_t i = 0; i < text.size();) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
      const size_t start = i;
      while (i < text.size() && !(text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
      if (i > start) {
        ++chunks;
        alpha += has_letter(text.substr(start, i - start));
      }
    }
    if (l_.min_words > 0 && int64_t(non_symbol) < l_.min_words) return Verdict::Drop("short_doc");
    if (l_.max_words > 0 && int64_t(non_symbol) > l_.max_words) return Verdict::Drop("long_doc");
    if (non_symbol == 0) return Verdict::Drop("short_doc");
    const double avg = double(chars) / double(non_symbol);
    if (l_.min_avg > 0 && avg < l_.min_avg) return Verdict::Drop("below_avg_word_length");
    if (l_.max_avg > 0 && avg > l_.max_avg) return Verdict::Drop("above_avg_word_length");
    const double n = double(words.size());
    if (l_.max_symbol > 0 && double(count(text, "#")) / n > l_.max_symbol) return Verdict::Drop("too_many_hashes");
    if (l_.max_symbol > 0 && double(count(text, "...") + count(text, "\xE2\x80\xA6")) / n > l_.max_symbol)
      return Verdict::Drop("too_many_ellipsis");
    size_t lines = 0, bullets = 0, ellipsis = 0;
    for (size_t start = 0; start <= text.size();) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      if (end == text.size() && line.empty() && lines > 0) break;  // splitlines(): no empty last line
      ++lines;
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
      bullets += line.starts_with("\xE2\x80\xA2") || line.starts_with("-");
      ellipsis += line.ends_with("...") || line.ends_with("\xE2\x80\xA6");
    }
    if (l_.max_bullet > 0 && double(bullets) / double(lines) > l_.max_bullet) return Verdict::Drop("too_many_bullets");
    if (l_.max_ellipsis_lines > 0 && double(ellipsis) / double(lines) > l_.max_ellipsis_lines)
      return Verdict::Drop("too_many_end_ellipsis");
    if (l_.alpha > 0 && double(alpha) < l_.alpha * double(chunks)) return Verdict::Drop("below_alpha_threshold");
    if (l_.min_stop > 0 && int64_t(stop) < l_.min_stop) return Verdict::Drop("few_stop_words");
    return Verdict::Keep();
  }

 private:
  Limits l_;
};

}  // namespace

std::unique_ptr<Filter> make_gopher_quality_filter(FilterSettings& s, const FilterContext&) {
  Limits l;
  auto ratio = [&](const char* key, double& v) { v = s.share(key, " (0: rule off)").value_or(v); };
  auto positive = [&](const char* key, auto& v) {
    if (auto x = s.number(key)) {
      if (*x < 0) s.invalid(key, "must not be negative (0: rule off)");
      v = static_cast<std::remove_reference_t<decltype(v)>>(*x);
    }
  };
  positive("min_doc_words", l.min_words);
  positive("max_doc_words", l.max_words);
  positive("min_avg_word_length", l.min_avg);
  positive("max_avg_word_length", l.max_avg);
  positive("min_stop_words", l.min_stop);
  ratio("max_symbol_word_ratio", l.max_symbol);
  ratio("max_bullet_lines_ratio", l.max_bullet);
  ratio("max_ellipsis_lines_ratio", l.max_ellipsis_lines);
  ratio("max_non_alpha_words_ratio", l.alpha);
  if (l.max_words > 0 && l.max_words < l.min_words) s.invalid("max_doc_words", "must be at least min_doc_words");
  return std::make_unique<GopherQualityFilter>(l);
}

}  // namespace primer::filters
