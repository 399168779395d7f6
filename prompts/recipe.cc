#include "prompts/recipe.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "base/rng.h"
#include "base/text.h"

namespace primer::prompts {

std::string_view reply_format_name(ReplyFormat f) {
  switch (f) {
    case ReplyFormat::kText: return "text";
    case ReplyFormat::kJson: return "json";
    case ReplyFormat::kSections: return "sections";
  }
  return "text";
}

struct RecipeSampler::Slot {
  std::string name;
  std::vector<std::string> values;  // file and values slots
  std::vector<double> cumulative;   // running sums of the weights; empty: uniform
  std::shared_ptr<const vocab::Vocabulary> vocab;
  std::vector<uint32_t> entries;  // vocab slots: the entries drawn from
  int count = 1;
  std::string join;
  bool require = false;
};

uint64_t cover_position(uint64_t seed, uint64_t index, uint64_t n) {
  if (n <= 1) return 0;
  const uint64_t pass = index / n, pos = index % n;
  // A balanced Feistel network on the smallest even number of bits that holds n - 1,
  // cycle-walked back into [0, n): a bijection of [0, n) that needs no table.
  int bits = 64 - __builtin_clzll(n - 1);
  bits += bits & 1;
  const int half = bits / 2;
  const uint64_t mask = half >= 64 ? ~0ull : (1ull << half) - 1;
  const uint64_t key = base::mix64(base::mix64(seed ^ base::hash_label("cover")) ^ base::mix64(pass));
  uint64_t x = pos;
  do {
    uint64_t l = x >> half, r = x & mask;
    for (uint64_t round = 0; round < 4; ++round) {
      const uint64_t f = base::mix64(key ^ (round * 0x9E3779B97F4A7C15ull) ^ r) & mask;
      const uint64_t next_r = l ^ f;
      l = r;
      r = next_r;
    }
    x = l << half | r;
  } while (x >= n);
  return x;
}

WeightedValues read_slot_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path)) throw PromptError("cannot read slot file " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  WeightedValues out;
  vocab::for_each_line(text, [&](std::string_view line, size_t line_no) {
    const std::string where = path.string() + ":" + std::to_string(line_no) + ": ";
    if (base::trim(line).empty() || base::trim(line).front() == '#') return;
    std::string_view value = line, weight_text;
    if (const size_t tab = line.find('\t'); tab != std::string_view::npos) {
      value = line.substr(0, tab);
      weight_text = base::trim(line.substr(tab + 1));
    }
    value = base::trim(value);
    if (value.empty()) throw PromptError(where + "a weight without a value");
    double weight = 1;
    if (!weight_text.empty()) {
      const std::string w(weight_text);
      char* end = nullptr;
      weight = std::strtod(w.c_str(), &end);
      if (end != w.c_str() + w.size() || !std::isfinite(weight) || weight <= 0)
        throw PromptError(where + "weight '" + w + "' is not a positive number (value<TAB>weight)");
    }
    out.values.emplace_back(value);
    out.weights.push_back(weight);
  });
  if (out.values.empty())
    throw PromptError(path.string() + ": the slot file has no values (only comments or blank lines)");
  return out;
}

RecipeSampler::~RecipeSampler() = default;

RecipeSampler::RecipeSampler(const RecipeOptions& options, std::string kind) : kind_(std::move(kind)) {
  if (options.slots.empty()) throw PromptError("kind = \"recipe\" needs at least one slot ([prompts.slots.NAME])");
  std::map<std::filesystem::path, std::shared_ptr<const vocab::Vocabulary>> vocabularies;
  for (const SlotSpec& s : options.slots) {
    auto slot = std::make_unique<Slot>();
    slot->name = s.name;
    const std::string key = "prompts.slots." + s.name;
    std::vector<double> weights = s.weights;
    if (!s.file.empty()) {
      WeightedValues wv = read_slot_file(s.file);
      slot->values = std::move(wv.values);
      weights = std::move(wv.weights);
    } else if (!s.vocab.empty()) {
      auto& v = vocabularies[s.vocab];
      if (!v) {
        try {
          v = std::make_shared<const vocab::Vocabulary>(vocab::Vocabulary::load(s.vocab));
        } catch (const std::exception& e) {
          throw PromptError(key + ".vocab: " + e.what());
        }
      }
      slot->vocab = v;
      if (s.pos) {
        const auto e = v->with_pos(*s.pos);
        slot->entries.assign(e.begin(), e.end());
      } else {
        for (vocab::Pos p : {vocab::Pos::kNoun, vocab::Pos::kVerb, vocab::Pos::kAdj, vocab::Pos::kAdv}) {
          const auto e = v->with_pos(p);
          slot->entries.insert(slot->entries.end(), e.begin(), e.end());
        }
      }
      if (s.count < 1) throw PromptError(key + ".count must be positive");
      if (slot->entries.size() < static_cast<size_t>(s.count))
        throw PromptError(key + ": " + s.vocab.string() + " lists " + std::to_string(slot->entries.size()) + " " +
                          (s.pos ? std::string(vocab::pos_name(*s.pos)) + "s" : std::string("words")) +
                          ", fewer than count = " + std::to_string(s.count));
      slot->count = s.count;
      slot->join = s.join;
      slot->require = s.require;
    } else {
      slot->values = s.values;
      if (slot->values.empty()) throw PromptError(key + ": needs file, values or vocab");
    }
    if (!weights.empty()) {
      if (weights.size() != slot->values.size())
        throw PromptError(key + ".weights has " + std::to_string(weights.size()) + " numbers for " +
                          std::to_string(slot->values.size()) + " values");
      double total = 0;
      for (double w : weights) {
        if (!(w > 0) || !std::isfinite(w)) throw PromptError(key + ".weights must be positive numbers");
        total += w;
        slot->cumulative.push_back(total);
      }
      if (std::all_of(weights.begin(), weights.end(), [&](double w) { return w == weights.front(); }))
        slot->cumulative.clear();  // all equal: the uniform draw (the same values as no weights)
    }
    slots_.push_back(std::move(slot));
  }
  for (size_t i = 0; i < slots_.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (slots_[i]->name == slots_[j]->name) throw PromptError("slot '" + slots_[i]->name + "' is declared twice");

  for (const std::string& c : options.cover) {
    size_t k = 0;
    while (k < slots_.size() && slots_[k]->name != c) ++k;
    if (k == slots_.size()) throw PromptError("prompts.cover: '" + c + "' is not a declared slot");
    if (slots_[k]->vocab)
      throw PromptError("prompts.cover: '" + c + "' draws from a vocabulary; cover file or values slots");
    if (std::find(cover_.begin(), cover_.end(), k) != cover_.end())
      throw PromptError("prompts.cover: '" + c + "' is named twice");
    const uint64_t n = slots_[k]->values.size();
    if (cover_size_ > (uint64_t{1} << 62) / n) throw PromptError("prompts.cover: more than 2^62 combinations");
    cover_size_ *= n;
    cover_.push_back(k);
  }

  // The template: every placeholder a declared slot, every slot used.
  std::ifstream in(options.template_path, std::ios::binary);
  if (!in || std::filesystem::is_directory(options.template_path))
    throw PromptError("cannot read prompt template " + options.template_path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string origin = options.template_path.string();
  const std::vector<std::string> used = PromptTemplate::placeholder_names(text);
  std::vector<std::string_view> names;
  for (const auto& s : slots_) names.push_back(s->name);
  for (const std::string& u : used)
    if (std::find(names.begin(), names.end(), u) == names.end())
      throw PromptError(origin + ": placeholder {" + u + "} is not a declared slot (declare [prompts.slots." + u +
                        "], or write {{" + u + "}} for literal braces)");
  for (auto n : names)
    if (std::find(used.begin(), used.end(), n) == used.end())
      throw PromptError(origin + ": slot '" + std::string(n) + "' ([prompts.slots." + std::string(n) +
                        "]) is never used: the template has no {" + std::string(n) + "}");
  template_ = PromptTemplate::parse(text, origin, names);
}

PromptSpec RecipeSampler::sample(uint64_t seed, uint64_t index) const {
  PromptSpec spec;
  spec.index = index;
  spec.id = base::prompt_id(seed, index);
  spec.kind = kind_;
  constexpr size_t kNone = ~size_t{0};
  std::vector<size_t> chosen(slots_.size(), kNone);
  if (!cover_.empty()) {
    uint64_t c = cover_position(seed, index, cover_size_);
    for (size_t k = cover_.size(); k-- > 0;) {
      const uint64_t n = slots_[cover_[k]]->values.size();
      chosen[cover_[k]] = static_cast<size_t>(c % n);
      c /= n;
    }
  }
  spec.slots.reserve(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = *slots_[i];
    base::Rng rng(spec.id, "slot:" + s.name);
    std::string value;
    if (s.vocab) {
      // count distinct entries: a partial Fisher-Yates shuffle over the entry list, with
      // the swaps it made kept aside (count is small, the list may be long).
      std::vector<std::pair<size_t, size_t>> swapped;
      auto at = [&](size_t p) {
        for (const auto& [from, to] : swapped)
          if (from == p) return to;
        return p;
      };
      const size_t n = s.entries.size();
      for (int j = 0; j < s.count; ++j) {
        const size_t pick = j + static_cast<size_t>(rng.below(n - j));
        const size_t got = at(pick), first = at(j);
        std::erase_if(swapped, [&](const auto& sw) { return sw.first == pick || sw.first == static_cast<size_t>(j); });
        swapped.emplace_back(pick, first);
        const std::string& lemma = s.vocab->entry(s.entries[got]).lemma;
        if (j) value += s.join;
        value += lemma;
        if (s.require) spec.required.push_back(lemma);
      }
    } else if (chosen[i] != kNone) {
      value = s.values[chosen[i]];
    } else if (s.cumulative.empty()) {
      value = rng.pick(s.values);
    } else {
      const double u = rng.uniform() * s.cumulative.back();
      const size_t k =
          static_cast<size_t>(std::upper_bound(s.cumulative.begin(), s.cumulative.end(), u) - s.cumulative.begin());
      value = s.values[std::min(k, s.values.size() - 1)];
    }
    spec.slots.emplace_back(s.name, std::move(value));
  }
  std::vector<std::string_view> values;
  for (const auto& [name, value] : spec.slots) values.push_back(value);
  spec.text = template_.render(values);
  return spec;
}

}  // namespace primer::prompts
