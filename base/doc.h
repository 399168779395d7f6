// The record that travels from the prompt sampler through the teacher and the filters to
// the shard (docs/architecture.md, "A record's life in `primer run`"): what was asked
// (PromptSpec, filled by prompts/), what the teacher answered (Reply), and the Doc that
// filters read and storage serialises as one JSON line. Plain data, so that every layer
// can hold it without linking the layer that makes it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace primer::base {

// Story features as in TinyStories' released metadata (prompts/prompt.h: feature_info
// gives their names and phrases).
enum class Feature : uint8_t { kDialogue, kBadEnding, kMoralValue, kPlotTwist, kForeshadowing, kConflict };
inline constexpr int kFeatureCount = 6;

// A set of features as a bit mask (bit i = Feature i).
struct FeatureSet {
  uint8_t bits = 0;
  bool has(Feature f) const { return bits >> static_cast<int>(f) & 1; }
  void add(Feature f) { bits |= static_cast<uint8_t>(1u << static_cast<int>(f)); }
  int size() const { return __builtin_popcount(bits); }
  std::vector<Feature> list() const {
    std::vector<Feature> out;
    for (int i = 0; i < kFeatureCount; ++i)
      if (bits >> i & 1) out.push_back(static_cast<Feature>(i));
    return out;
  }
};

// Everything sampled for one prompt id (prompts/prompt.h: PromptSampler).
struct PromptSpec {
  uint64_t id = 0;     // prompt_id(seed, index) (base/rng.h)
  uint64_t index = 0;  // position in the run
  std::string kind;    // the prompt kind's name (prompts/sampler.h: reply_shape() says what it asks for)
  // Required words as entry indices of the vocabulary, and their lemmas.
  uint32_t verb = 0, noun = 0, adjective = 0;
  std::string verb_word, noun_word, adjective_word;
  FeatureSet features;
  // Code kinds (prompts/code.h): empty for stories.
  std::string topic;          // "Strings > Slicing and indexing"
  std::string audience;       // audience key: "young_beginners", ...
  std::string style;          // style key (codetextbook): "worked_example", ...
  std::string function_name;  // codeexercises: the function to write ("count_vowels")
  std::string difficulty;     // codeexercises: "easy" | "medium" | "hard"
  // Recipes (prompts/recipe.h): every slot's name and value, in declared order, and the
  // lemmas the reply must use (the slots with require = true).
  std::vector<std::pair<std::string, std::string>> slots;
  std::vector<std::string> required;
  std::string text;  // the rendered prompt sent to the teacher

  std::array<std::string_view, 3> words() const { return {verb_word, noun_word, adjective_word}; }
};

struct Usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

// What a teacher returns for one prompt.
struct Reply {
  std::string text;
  std::string finish_reason = "stop";  // "stop", or "length" when cut at max_tokens
  std::string summary;                 // Instruct kind: the parsed summary (the text is then the story)
  Usage usage;
};

struct Doc {
  PromptSpec prompt;    // id, index, kind, required words, features, prompt text
  std::string teacher;  // "builtin", or the model name of an HTTP teacher
  Reply reply;
  // Fields a filter attaches to the record, written after the standard ones: the key and
  // its value as JSON (exercise_tests: "asserts": 3, "coverage": 0.875).
  std::vector<std::pair<std::string, std::string>> fields;

  uint64_t id() const { return prompt.id; }
  const std::string& text() const { return reply.text; }
};

}  // namespace primer::base
