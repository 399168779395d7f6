#include "prompts/prompt.h"

#include <fstream>
#include <sstream>

#include "base/rng.h"
#include "base/text.h"

namespace primer::prompts {
namespace {

constexpr FeatureInfo kFeatures[kFeatureCount] = {
    {"dialogue", "Dialogue", "the story should contain at least one dialogue"},
    {"bad_ending", "BadEnding", "the story has a bad ending"},
    {"moral_value", "MoralValue", "the story has a moral value"},
    {"plot_twist", "Twist", "something unexpected happens / there is a plot twist"},
    {"foreshadowing", "Foreshadowing", "the narrative uses foreshadowing or setup and payoff"},
    {"conflict", "Conflict", "the story has some form of conflict in it"},
};

}  // namespace

const FeatureInfo& feature_info(Feature f) { return kFeatures[static_cast<int>(f)]; }

std::string feature_sentence(FeatureSet features) {
  if (features.size() == 0) return {};
  std::string s = "The story has the following features: ";
  bool first = true;
  for (Feature f : features.list()) {
    if (!first) s += ", ";
    s += feature_info(f).phrase;
    first = false;
  }
  s += ". ";
  return s;
}

namespace {

// The template text without its '#' comment lines, trimmed.
std::string template_body(std::string_view text) {
  std::string body;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.empty() || line[0] != '#') {
      body.append(line);
      body.push_back('\n');
    }
    pos = eol + 1;
  }
  return std::string(base::trim(body));
}

// Walks a template body: literal(c) for each literal byte ("{{" and "}}" give one brace),
// name(n) for each {n}. Returns false at an unclosed '{'.
template <typename Literal, typename Name>
bool scan_template(std::string_view t, Literal&& literal, Name&& name) {
  for (size_t i = 0; i < t.size(); ++i) {
    if ((t[i] == '{' || t[i] == '}') && i + 1 < t.size() && t[i + 1] == t[i]) {
      literal(t[i]);
      ++i;
      continue;
    }
    if (t[i] != '{') {
      literal(t[i]);
      continue;
    }
    const size_t close = t.find('}', i);
    if (close == std::string_view::npos) return false;
    name(t.substr(i + 1, close - i - 1));
    i = close;
  }
  return true;
}

}  // namespace

std::vector<std::string> PromptTemplate::placeholder_names(std::string_view text) {
  std::vector<std::string> out;
  const std::string body = template_body(text);
  scan_template(
      body, [](char) {}, [&](std::string_view n) { out.emplace_back(n); });
  return out;
}

PromptTemplate PromptTemplate::parse(std::string_view text, std::string_view origin,
                                     const std::vector<std::string_view>& allowed) {
  const std::string body = template_body(text);
  if (body.empty()) throw PromptError(std::string(origin) + ": the prompt template is empty");

  PromptTemplate tmpl;
  std::string literal;
  const bool closed = scan_template(
      body, [&](char c) { literal.push_back(c); },
      [&](std::string_view name) {
        int slot = -1;
        for (size_t k = 0; k < allowed.size(); ++k)
          if (allowed[k] == name) slot = static_cast<int>(k);
        if (slot < 0) {
          std::string list;
          for (auto a : allowed) list += (list.empty() ? "{" : ", {") + std::string(a) + "}";
          throw PromptError(std::string(origin) + ": unknown placeholder {" + std::string(name) +
                            "} (this prompt kind knows " + list + "; write {{ and }} for literal braces)");
        }
        tmpl.pieces_.push_back({std::move(literal), -1});
        literal.clear();
        tmpl.pieces_.push_back({{}, slot});
      });
  if (!closed)
    throw PromptError(std::string(origin) + ": unclosed '{' in the prompt template (write {{ for a literal brace)");
  tmpl.pieces_.push_back({std::move(literal), -1});
  return tmpl;
}

PromptTemplate PromptTemplate::load(const std::filesystem::path& path, const std::vector<std::string_view>& allowed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PromptError("cannot read prompt template " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.string(), allowed);
}

std::string PromptTemplate::render(const std::vector<std::string_view>& values) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (p.slot < 0) out += p.literal;
    else if (static_cast<size_t>(p.slot) < values.size()) out += values[p.slot];
  }
  return out;
}

const std::vector<std::string_view>& TinyStoriesSampler::placeholders() {
  static const std::vector<std::string_view> kNames = {"verb", "noun", "adjective", "features"};
  return kNames;
}

TinyStoriesSampler::TinyStoriesSampler(const vocab::Vocabulary& vocab, PromptTemplate tmpl, TinyStoriesOptions options)
    : vocab_(vocab), template_(std::move(tmpl)), options_(options) {
  using vocab::Pos;
  if (vocab.with_pos(Pos::kVerb).empty() || vocab.with_pos(Pos::kNoun).empty() || vocab.with_pos(Pos::kAdj).empty())
    throw PromptError("the vocabulary needs at least one verb, one noun and one adjective for tinystories prompts");
}

PromptSpec TinyStoriesSampler::sample(uint64_t seed, uint64_t index) const {
  using vocab::Pos;
  PromptSpec spec;
  spec.index = index;
  spec.id = base::prompt_id(seed, index);
  spec.kind = options_.kind;
  base::Rng words(spec.id, "words");
  spec.verb = words.pick(vocab_.with_pos(Pos::kVerb));
  spec.noun = words.pick(vocab_.with_pos(Pos::kNoun));
  spec.adjective = words.pick(vocab_.with_pos(Pos::kAdj));
  spec.verb_word = vocab_.entry(spec.verb).lemma;
  spec.noun_word = vocab_.entry(spec.noun).lemma;
  spec.adjective_word = vocab_.entry(spec.adjective).lemma;
  base::Rng feats(spec.id, "features");
  for (int f = 0; f < kFeatureCount; ++f)
    if (feats.chance(options_.feature_probability)) spec.features.add(static_cast<Feature>(f));
  const std::string features = feature_sentence(spec.features);
  spec.text = template_.render({spec.verb_word, spec.noun_word, spec.adjective_word, features});
  return spec;
}

}  // namespace primer::prompts
