#include "vocab/wordnet.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <unordered_map>

namespace primer::vocab {
namespace {

// The standard lexicographer files, by number (WordNet's lexnames file).
constexpr std::string_view kLexnames[] = {"adj.all",          "adj.pert",           "adv.all",
                                          "noun.Tops",        "noun.act",           "noun.animal",
                                          "noun.artifact",    "noun.attribute",     "noun.body",
                                          "noun.cognition",   "noun.communication", "noun.event",
                                          "noun.feeling",     "noun.food",          "noun.group",
                                          "noun.location",    "noun.motive",        "noun.object",
                                          "noun.person",      "noun.phenomenon",    "noun.plant",
                                          "noun.possession",  "noun.process",       "noun.quantity",
                                          "noun.relation",    "noun.shape",         "noun.state",
                                          "noun.substance",   "noun.time",          "verb.body",
                                          "verb.change",      "verb.cognition",     "verb.communication",
                                          "verb.competition", "verb.consumption",   "verb.contact",
                                          "verb.creation",    "verb.emotion",       "verb.motion",
                                          "verb.perception",  "verb.possession",    "verb.social",
                                          "verb.stative",     "verb.weather",       "adj.ppl"};

constexpr const char* kPosFile[4] = {"noun", "verb", "adj", "adv"};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw VocabError("cannot read WordNet file " + path.string() +
                     " (install the Debian package wordnet-base, or pass --wordnet DIR)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

int pos_slot(Pos pos) {
  switch (pos) {
    case Pos::kNoun: return 0;
    case Pos::kVerb: return 1;
    case Pos::kAdj: return 2;
    case Pos::kAdv: return 3;
    default: return -1;
  }
}

}  // namespace

struct WordNet::Data {
  std::vector<Lemma> lemmas[4];
  std::unordered_map<std::string, uint32_t> by_word[4];                    // word → index into lemmas
  std::string data[4];                                                     // data.POS, whole file
  std::unordered_map<std::string, std::vector<std::string>> exc_base[4];   // inflected → bases
  std::unordered_map<std::string, std::vector<std::string>> exc_forms[4];  // base → inflected

  // The data line of a synset, or "" if the offset is out of range.
  std::string_view synset_line(int slot, uint32_t offset) const {
    const std::string& d = data[slot];
    if (offset >= d.size()) return {};
    size_t eol = d.find('\n', offset);
    if (eol == std::string::npos) eol = d.size();
    return std::string_view(d).substr(offset, eol - offset);
  }
};

WordNet::WordNet() : d_(std::make_unique<Data>()) {}
WordNet::~WordNet() = default;
WordNet::WordNet(WordNet&&) noexcept = default;
WordNet& WordNet::operator=(WordNet&&) noexcept = default;

WordNet WordNet::load(const std::filesystem::path& dir) {
  WordNet wn;
  Data& d = *wn.d_;
  for (int slot = 0; slot < 4; ++slot) {
    const auto index_path = dir / (std::string("index.") + kPosFile[slot]);
    const std::string index = read_all(index_path);
    for_each_line(index, [&](std::string_view line, size_t line_no) {
      if (line.empty() || line[0] == ' ') return;  // licence header
      const auto f = split_spaces(line);
      // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
      if (f.size() < 6)
        throw VocabError(index_path.string() + ":" + std::to_string(line_no) + ": malformed index line");
      Lemma l;
      l.word = std::string(f[0]);
      const size_t synsets = std::strtoul(std::string(f[2]).c_str(), nullptr, 10);
      const size_t pointers = std::strtoul(std::string(f[3]).c_str(), nullptr, 10);
      const size_t first = 4 + pointers + 2;
      if (first + synsets > f.size())
        throw VocabError(index_path.string() + ":" + std::to_string(line_no) + ": malformed index line");
      for (size_t k = 0; k < synsets; ++k)
        l.synsets.push_back(static_cast<uint32_t>(std::strtoul(std::string(f[first + k]).c_str(), nullptr, 10)));
      d.by_word[slot].emplace(l.word, static_cast<uint32_t>(d.lemmas[slot].size()));
      d.lemmas[slot].push_back(std::move(l));
    });
    d.data[slot] = read_all(dir / (std::string("data.") + kPosFile[slot]));
    const std::string exc = read_all(dir / (std::string(kPosFile[slot]) + ".exc"));
    for_each_line(exc, [&](std::string_view line, size_t) {
      const auto f = split_spaces(line);
      if (f.size() < 2) return;
      for (size_t k = 1; k < f.size(); ++k) {
        d.exc_base[slot][std::string(f[0])].emplace_back(f[k]);
        d.exc_forms[slot][std::string(f[k])].emplace_back(f[0]);
      }
    });
  }
  // cntlist.rev: "sense_key sense_number tag_count"; sense_key = lemma%ss_type:...
  const std::string counts = read_all(dir / "cntlist.rev");
  for_each_line(counts, [&](std::string_view line, size_t) {
    const auto f = split_spaces(line);
    if (f.size() < 3) return;
    const size_t pct = f[0].find('%');
    if (pct == std::string_view::npos || pct + 1 >= f[0].size()) return;
    const char type = f[0][pct + 1];
    const int slot = type == '1' ? 0 : type == '2' ? 1 : (type == '3' || type == '5') ? 2 : type == '4' ? 3 : -1;
    if (slot < 0) return;
    auto it = d.by_word[slot].find(std::string(f[0].substr(0, pct)));
    if (it == d.by_word[slot].end()) return;
    d.lemmas[slot][it->second].frequency += static_cast<uint32_t>(std::strtoul(std::string(f[2]).c_str(), nullptr, 10));
  });
  return wn;
}

const WordNet::Lemma* WordNet::lemma(std::string_view word, Pos pos) const {
  const int slot = pos_slot(pos);
  if (slot < 0) return nullptr;
  auto it = d_->by_word[slot].find(std::string(word));
  return it == d_->by_word[slot].end() ? nullptr : &d_->lemmas[slot][it->second];
}

const std::vector<WordNet::Lemma>& WordNet::lemmas(Pos pos) const {
  static const std::vector<Lemma> kNone;
  const int slot = pos_slot(pos);
  return slot < 0 ? kNone : d_->lemmas[slot];
}

std::string WordNet::lexname(std::string_view word, Pos pos, size_t sense) const {
  const Lemma* l = lemma(word, pos);
  if (!l || sense >= l->synsets.size()) return "";
  const auto f = split_spaces(d_->synset_line(pos_slot(pos), l->synsets[sense]));
  if (f.size() < 2) return "";
  const size_t n = std::strtoul(std::string(f[1]).c_str(), nullptr, 10);
  return n < std::size(kLexnames) ? std::string(kLexnames[n]) : "";
}

std::vector<int> WordNet::verb_frames(std::string_view verb, size_t sense) const {
  std::vector<int> out;
  const Lemma* l = lemma(verb, Pos::kVerb);
  if (!l || sense >= l->synsets.size()) return out;
  std::string_view line = d_->synset_line(1, l->synsets[sense]);
  if (const size_t bar = line.find(" | "); bar != std::string_view::npos) line = line.substr(0, bar);
  const auto f = split_spaces(line);
  // offset lex_filenum ss_type w_cnt [word lex_id]... p_cnt [sym offset pos st]... f_cnt [+ f w]...
  if (f.size() < 4) return out;
  const size_t words = std::strtoul(std::string(f[3]).c_str(), nullptr, 16);
  size_t word_no = 0;
  for (size_t k = 0; k < words && 4 + 2 * k < f.size(); ++k) {
    std::string w(f[4 + 2 * k]);
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (w == l->word) word_no = k + 1;
  }
  size_t i = 4 + 2 * words;
  if (i >= f.size()) return out;
  const size_t pointers = std::strtoul(std::string(f[i]).c_str(), nullptr, 10);
  i += 1 + 4 * pointers;
  if (i >= f.size()) return out;
  const size_t frames = std::strtoul(std::string(f[i]).c_str(), nullptr, 10);
  ++i;
  for (size_t k = 0; k < frames && i + 2 < f.size() + 0; ++k, i += 3) {
    if (f[i] != "+") break;
    const int frame = std::atoi(std::string(f[i + 1]).c_str());
    const size_t w = std::strtoul(std::string(f[i + 2]).c_str(), nullptr, 16);
    if (w == 0 || w == word_no) out.push_back(frame);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> WordNet::irregular_forms(std::string_view lemma, Pos pos) const {
  const int slot = pos_slot(pos);
  if (slot < 0) return {};
  auto it = d_->exc_forms[slot].find(std::string(lemma));
  return it == d_->exc_forms[slot].end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> WordNet::base_forms(std::string_view word, Pos pos) const {
  const int slot = pos_slot(pos);
  std::vector<std::string> out;
  if (slot < 0) return out;
  auto add = [&](const std::string& w) {
    if (has(w, pos) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  };
  const std::string w(word);
  if (auto it = d_->exc_base[slot].find(w); it != d_->exc_base[slot].end())
    for (const auto& b : it->second) add(b);
  add(w);
  struct Rule {
    std::string_view suffix, ending;
  };
  static constexpr Rule kNoun[] = {{"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
                                   {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
  static constexpr Rule kVerb[] = {{"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
                                   {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};
  static constexpr Rule kAdj[] = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
  std::span<const Rule> rules;
  if (pos == Pos::kNoun) rules = kNoun;
  if (pos == Pos::kVerb) rules = kVerb;
  if (pos == Pos::kAdj) rules = kAdj;
  for (const Rule& r : rules) {
    if (w.size() <= r.suffix.size() + 1 || w.compare(w.size() - r.suffix.size(), r.suffix.size(), r.suffix) != 0)
      continue;
    const std::string stem = w.substr(0, w.size() - r.suffix.size());
    add(stem + std::string(r.ending));
    // A doubled final consonant ("running" → "run", "bigger" → "big").
    if (r.ending.empty() && stem.size() >= 3 && stem.back() == stem[stem.size() - 2] &&
        std::string_view("aeiouy").find(stem.back()) == std::string_view::npos)
      add(stem.substr(0, stem.size() - 1));
  }
  // -ied/-ier/-iest → y ("cried" → "cry", "happier" → "happy").
  static constexpr Rule kY[] = {{"ied", "y"}, {"ier", "y"}, {"iest", "y"}};
  if (pos == Pos::kVerb || pos == Pos::kAdj)
    for (const Rule& r : kY)
      if (w.size() > r.suffix.size() + 1 && w.compare(w.size() - r.suffix.size(), r.suffix.size(), r.suffix) == 0)
        add(w.substr(0, w.size() - r.suffix.size()) + std::string(r.ending));
  return out;
}

}  // namespace primer::vocab
