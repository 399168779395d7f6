// primer::prompts — what to ask the teacher. A PromptSpec is everything sampled for one
// prompt id: the required words and story features (tinystories), or the topic,
// audience, style, function and difficulty (code kinds), and the rendered prompt text.
//
// A PromptSampler turns (seed, index) into a PromptSpec; make_sampler() (sampler.h)
// builds the one a config's [prompts] kind names. Samplers are immutable after
// construction and thread-safe: sample(seed, i) is a pure function of its arguments and
// what the sampler was built from (vocabulary, template, banks).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/doc.h"
#include "vocab/vocabulary.h"

namespace primer::prompts {

// PromptSpec and the story features are plain data of base/doc.h (every layer holds them);
// prompts/ fills them and names them as its own.
using base::Feature;
using base::FeatureSet;
using base::kFeatureCount;
using base::PromptSpec;

struct FeatureInfo {
  std::string_view key;     // config and JSON name: "dialogue"
  std::string_view label;   // Instruct format label: "Dialogue"
  std::string_view phrase;  // the sentence the prompt uses
};
const FeatureInfo& feature_info(Feature f);

// Thrown for a missing or malformed template; the message names the file.
class PromptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A prompt template: text with {name} placeholders. Lines starting with '#' are
// comments; the text is trimmed of surrounding whitespace; "{{" and "}}" are literal
// braces. Unknown placeholders are an error at load time, not a surprise in the middle of
// a run.
class PromptTemplate {
 public:
  static PromptTemplate parse(std::string_view text, std::string_view origin,
                              const std::vector<std::string_view>& allowed);
  static PromptTemplate load(const std::filesystem::path& path, const std::vector<std::string_view>& allowed);
  // The {name}s of a template text, in order (repeats included), as parse() reads them.
  static std::vector<std::string> placeholder_names(std::string_view text);

  // values[i] replaces placeholder allowed[i].
  std::string render(const std::vector<std::string_view>& values) const;

 private:
  struct Piece {
    std::string literal;
    int slot = -1;  // index into values, or -1 for a literal
  };
  std::vector<Piece> pieces_;
};

// What every prompt kind implements (sampler.h: make_sampler builds one by kind).
class PromptSampler {
 public:
  virtual ~PromptSampler() = default;
  // The prompt of `index` in a run with `seed`; spec.id = prompt_id(seed, index).
  virtual PromptSpec sample(uint64_t seed, uint64_t index) const = 0;
  // What the dataset card calls the records: "TinyStories-style stories".
  virtual std::string_view title() const = 0;
};

// The kind a config gets when it names none: the first of sampler.cc's table.
std::string_view default_kind();

struct TinyStoriesOptions {
  double feature_probability = 0.35;               // each feature is requested independently with this
  std::string kind = std::string(default_kind());  // or the instruct kind (same words and features)
};

class TinyStoriesSampler final : public PromptSampler {
 public:
  // Placeholders: {verb} {noun} {adjective} {features}.
  static const std::vector<std::string_view>& placeholders();

  // The vocabulary must outlive the sampler and list at least one verb, noun and adjective.
  TinyStoriesSampler(const vocab::Vocabulary& vocab, PromptTemplate tmpl, TinyStoriesOptions options);

  PromptSpec sample(uint64_t seed, uint64_t index) const override;
  std::string_view title() const override { return "TinyStories-style stories"; }

 private:
  const vocab::Vocabulary& vocab_;
  PromptTemplate template_;
  TinyStoriesOptions options_;
};

// "the story should contain at least one dialogue, the story has a bad ending"; the
// sentence TinyStories put into the prompt ("The story has the following features: ...")
std::string feature_sentence(FeatureSet features);

}  // namespace primer::prompts
