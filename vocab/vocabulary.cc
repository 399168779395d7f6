#include "vocab/vocabulary.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace primer::vocab {
namespace {

constexpr std::string_view kPosNames[kPosCount] = {"noun", "verb", "adj", "adv", "func", "name"};

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

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

bool consonant_y(std::string_view w) {
  return w.size() >= 2 && w.back() == 'y' && !is_vowel(w[w.size() - 2]);
}

std::string add_s(std::string_view w, bool verb) {
  std::string s(w);
  if (ends_with(w, "s") || ends_with(w, "x") || ends_with(w, "z") || ends_with(w, "ch") ||
      ends_with(w, "sh") || (verb && ends_with(w, "o") && w.size() > 1 && !is_vowel(w[w.size() - 2])))
    return s + "es";
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ies";
  return s + "s";
}

// Shared by -ed and -er: "bake" → "baked"/"baker", "cry" → "cried", "stop" → "stopped".
std::string add_e_suffix(std::string_view w, std::string_view rest /* "d" or "r" or "st" */) {
  std::string s(w);
  if (ends_with(w, "e")) return s + std::string(rest);
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ie" + std::string(rest);
  if (doubles_final(w)) return s + s.back() + "e" + std::string(rest);
  return s + "e" + std::string(rest);
}

std::string add_ing(std::string_view w) {
  std::string s(w);
  if (ends_with(w, "ie")) return s.substr(0, s.size() - 2) + "ying";
  if (ends_with(w, "e") && !ends_with(w, "ee") && !ends_with(w, "ye") && !ends_with(w, "oe") &&
      w.size() > 2)
    return s.substr(0, s.size() - 1) + "ing";
  if (doubles_final(w)) return s + s.back() + "ing";
  return s + "ing";
}

std::string add_ly(std::string_view w) {
  std::string s(w);
  if (consonant_y(w)) return s.substr(0, s.size() - 1) + "ily";
  if (ends_with(w, "le") && w.size() > 2 && !is_vowel(w[w.size() - 3]))
    return s.substr(0, s.size() - 1) + "y";
  if (ends_with(w, "ll")) return s + "y";
  return s + "ly";
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
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

}  // namespace

std::string_view pos_name(Pos pos) { return kPosNames[static_cast<int>(pos)]; }

bool Entry::has_category(std::string_view c) const {
  return std::find(categories.begin(), categories.end(), c) != categories.end();
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
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (detail::is_right_quote(word, i)) {
      out.push_back('\'');
      i += 2;
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
}

Vocabulary Vocabulary::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw VocabError("cannot read vocabulary list " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.string());
}

Vocabulary Vocabulary::parse(std::string_view text, std::string_view origin) {
  Vocabulary v;
  size_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](const std::string& what) {
    throw VocabError(std::string(origin) + ":" + std::to_string(line_no) + ": " + what);
  };
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
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
    e.lemma = std::string(fields[0]);
    const auto pos_it = std::find(std::begin(kPosNames), std::end(kPosNames), fields[1]);
    if (pos_it == std::end(kPosNames))
      fail("unknown part of speech '" + std::string(fields[1]) +
           "' (expected noun, verb, adj, adv, func or name)");
    e.pos = static_cast<Pos>(pos_it - std::begin(kPosNames));
    for (char c : e.lemma)
      if (c == '=' || c == ',' || c == '_' || c == '\'') fail("malformed lemma '" + e.lemma + "' (one word, no '=', ',', '_' or apostrophe)");

    const std::string base = e.pos == Pos::kName ? e.lemma : lower_ascii(e.lemma);
    e.forms[static_cast<int>(Form::kBase)] = base;
    {
      auto set = [&](Form f) { e.forms[static_cast<int>(f)] = inflect_regular(base, f); };
      if (e.pos == Pos::kNoun) set(Form::kPlural);
      if (e.pos == Pos::kVerb) {
        set(Form::kThird); set(Form::kPast); set(Form::kParticiple); set(Form::kIng);
      }
      if (e.pos == Pos::kAdj) {
        set(Form::kComparative); set(Form::kSuperlative); set(Form::kAdverb);
      }
    }
    bool pp_given = false;
    for (size_t f = 2; f < fields.size(); ++f) {
      const size_t eq = fields[f].find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == fields[f].size())
        fail("expected key=value, got '" + std::string(fields[f]) + "'");
      const std::string_view key = fields[f].substr(0, eq), value = fields[f].substr(eq + 1);
      struct KeyForm { std::string_view key; Form form; Pos pos; };
      static constexpr KeyForm kKeys[] = {
          {"pl", Form::kPlural, Pos::kNoun},        {"s", Form::kThird, Pos::kVerb},
          {"past", Form::kPast, Pos::kVerb},        {"pp", Form::kParticiple, Pos::kVerb},
          {"ing", Form::kIng, Pos::kVerb},          {"cmp", Form::kComparative, Pos::kAdj},
          {"sup", Form::kSuperlative, Pos::kAdj},   {"ly", Form::kAdverb, Pos::kAdj},
      };
      bool known = false;
      for (const auto& k : kKeys) {
        if (k.key != key) continue;
        known = true;
        if (k.pos != e.pos)
          fail("key '" + std::string(key) + "' applies to " + std::string(pos_name(k.pos)) +
               ", not " + std::string(pos_name(e.pos)));
        e.forms[static_cast<int>(k.form)] = lower_ascii(value);
        if (k.form == Form::kParticiple) pp_given = true;
        if (k.form == Form::kPast && !pp_given) e.forms[static_cast<int>(Form::kParticiple)] = lower_ascii(value);
      }
      if (known) continue;
      if (key == "cat") {
        e.categories = split_commas(value);
      } else if (key == "also") {
        for (auto& s : split_commas(value)) e.also.push_back(lower_ascii(s));
      } else {
        fail("unknown key '" + std::string(key) +
             "' (expected pl, s, past, pp, ing, cmp, sup, ly, also or cat)");
      }
    }

    const std::string index_key = std::string(pos_name(e.pos)) + ":" + base;
    if (v.lemma_index_.count(index_key)) fail("duplicate entry '" + e.lemma + "' (" + std::string(pos_name(e.pos)) + ")");
    const auto index = static_cast<uint32_t>(v.entries_.size());
    v.lemma_index_.emplace(index_key, index);
    v.by_pos_[static_cast<int>(e.pos)].push_back(index);
    v.entries_.push_back(std::move(e));
  }

  for (uint32_t index = 0; index < v.entries_.size(); ++index) {
    const Entry& e = v.entries_[index];
    if (e.pos == Pos::kName) {
      v.names_.emplace(lower_ascii(e.lemma), index);
      continue;
    }
    for (const auto& f : e.forms)
      if (!f.empty()) v.add_form(f, index);
    for (const auto& f : e.also) v.add_form(f, index);
  }
  return v;
}

void Vocabulary::add_form(const std::string& surface, uint32_t index) {
  auto& list = forms_[surface];
  if (std::find(list.begin(), list.end(), index) == list.end()) list.push_back(index);
}

int64_t Vocabulary::find(std::string_view lemma, Pos pos) const {
  std::string key = std::string(pos_name(pos)) + ":" + (pos == Pos::kName ? std::string(lemma) : lower_ascii(lemma));
  auto it = lemma_index_.find(key);
  return it == lemma_index_.end() ? -1 : static_cast<int64_t>(it->second);
}

std::span<const uint32_t> Vocabulary::lemmas_of(std::string_view lower) const {
  // Heterogeneous lookup would avoid this copy; the key is short and usually fits SSO.
  auto it = forms_.find(std::string(lower));
  if (it == forms_.end()) return {};
  return it->second;
}

std::string_view Vocabulary::strip_clitic(std::string_view w) {
  static constexpr std::string_view kSuffixes[] = {"n't", "'s", "'ll", "'re", "'ve", "'d", "'m", "'"};
  for (auto suf : kSuffixes) {
    if (w.size() > suf.size() && ends_with(w, suf)) {
      std::string_view base = w.substr(0, w.size() - suf.size());
      if (suf == "n't") {
        if (base == "ca") return "can";
        if (base == "wo") return "will";
        if (base == "sha") return "shall";
      }
      return base;
    }
  }
  return {};
}

bool Vocabulary::is_name(std::string_view word) const {
  if (word.empty() || !(word[0] >= 'A' && word[0] <= 'Z')) return false;
  std::string lower;
  fold_word(word, lower);
  if (names_.count(lower)) return true;
  const std::string_view base = strip_clitic(lower);
  return !base.empty() && names_.count(std::string(base));
}

std::span<const uint32_t> Vocabulary::analyse(std::string_view word, std::string& lower, bool& accepted) const {
  accepted = true;
  if (word.empty()) return {};
  bool digits = true;
  for (char c : word) digits = digits && c >= '0' && c <= '9';
  if (digits) return {};
  fold_word(word, lower);
  if (auto it = forms_.find(lower); it != forms_.end()) return it->second;
  if (is_name(word)) return {};
  const std::string_view base = strip_clitic(lower);
  if (!base.empty()) {
    if (auto it = forms_.find(std::string(base)); it != forms_.end()) return it->second;
  }
  accepted = false;
  return {};
}

bool Vocabulary::accepts(std::string_view word) const {
  std::string scratch;
  bool accepted = false;
  analyse(word, scratch, accepted);
  return accepted;
}

Conformance Vocabulary::score(std::string_view text, std::span<const uint32_t> watch) const {
  Conformance c;
  std::string lower;
  segment_words(text, [&](std::string_view word) {
    ++c.tokens;
    bool accepted = false;
    const auto lemmas = analyse(word, lower, accepted);
    if (!accepted) {
      ++c.oov_tokens;
      c.oov_words.push_back(lower);
      return;
    }
    for (size_t i = 0; i < watch.size() && i < 32; ++i)
      for (uint32_t l : lemmas)
        if (l == watch[i]) c.found_mask |= 1u << i;
  });
  return c;
}

bool Vocabulary::mentions(std::string_view text, uint32_t index) const {
  const uint32_t watch[1] = {index};
  return score(text, watch).found_mask & 1u;
}

}  // namespace primer::vocab
