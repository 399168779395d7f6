// Code prompts in the phi-1 style: CodeTextbook (lessons) and CodeExercises (docstring →
// function, with assert-based tests).
//
// The banks (code_banks.cc) are a curated tree of Python topics (areas → topics, at least
// 200), four audiences and four styles, each with instructions that say how the format
// and the content must differ (Cosmopedia found that changing only the audience word
// still produced near-duplicates), three difficulties, and the exercise tasks: a
// function (name variants, signature, one-line description) per area.
//
// Sampling: a prompt's combination (topic × audience × style for lessons, topic ×
// difficulty for exercises) comes from keyed permutations of its index (code.cc,
// combination_of): a pass over all combinations uses each exactly once, every run of
// `topics` consecutive prompts covers every topic once, and audiences, styles and
// difficulties stay within a few prompts of each other in any prefix. No combination
// repeats before every other one has been used, and the combination is still a pure
// function of (seed, index): any index range is sampled on its own. Everything else
// (exercise task and name) derives from the prompt id.
//
// Samplers are immutable and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prompts/prompt.h"

namespace primer::prompts {

struct CodeArea {
  std::string_view key;    // "strings"
  std::string_view title;  // "Strings"
};
struct CodeTopic {
  uint16_t area;           // index into code_areas()
  std::string_view title;  // "Slicing and indexing"
};
// A register of the prompt: an audience, a style or a difficulty.
struct CodeRegister {
  std::string_view key;           // "young_beginners"
  std::string_view label;         // "children aged 10 to 13 who are new to programming"
  std::string_view instructions;  // how the content and format must differ
};
struct ExerciseTask {
  std::string_view key;                   // the builtin teacher's implementation key
  std::string_view area;                  // CodeArea key
  std::array<std::string_view, 3> names;  // function name variants, all distinct across tasks
  std::string_view params;                // "text: str"
  std::string_view returns;               // "int"
  std::string_view description;           // the docstring's first line
};

std::span<const CodeArea> code_areas();
std::span<const CodeTopic> code_topics();
std::span<const CodeRegister> code_audiences();
std::span<const CodeRegister> code_styles();
std::span<const CodeRegister> code_difficulties();
std::span<const ExerciseTask> exercise_tasks();
// The task one of whose names is `function_name`, or nullptr.
const ExerciseTask* find_exercise_task(std::string_view function_name);
// "Strings > Slicing and indexing"
std::string topic_label(const CodeTopic& topic);

// A keyed bijection of [0, n) (n ≥ 1): a 4-round Feistel network over the smallest
// even-bit power of two ≥ n, cycle-walked into range.
uint64_t permute_index(uint64_t x, uint64_t n, uint64_t key);

class CodeTextbookSampler final : public PromptSampler {
 public:
  // {topic} {area} {audience} {audience_instructions} {style} {style_instructions}
  static const std::vector<std::string_view>& placeholders();
  CodeTextbookSampler(PromptTemplate tmpl, std::string kind) : template_(std::move(tmpl)), kind_(std::move(kind)) {}
  PromptSpec sample(uint64_t seed, uint64_t index) const override;
  std::string_view title() const override { return "CodeTextbook-style Python lessons"; }
  static uint64_t combinations();

 private:
  PromptTemplate template_;
  std::string kind_;  // the registered name (also the label of its random streams)
};

class CodeExercisesSampler final : public PromptSampler {
 public:
  // {function} {signature} {description} {topic} {area} {difficulty} {difficulty_instructions}
  static const std::vector<std::string_view>& placeholders();
  CodeExercisesSampler(PromptTemplate tmpl, std::string kind) : template_(std::move(tmpl)), kind_(std::move(kind)) {}
  PromptSpec sample(uint64_t seed, uint64_t index) const override;
  std::string_view title() const override { return "CodeExercises-style Python exercises (verified)"; }
  static uint64_t combinations();

 private:
  PromptTemplate template_;
  std::string kind_;  // the registered name (also the label of its random streams)
};

// How evenly a sampler covers its combinations over prompts [0, count).
struct CoverageStats {
  uint64_t distinct = 0;  // different values seen
  uint64_t min = 0, max = 0;
  double mean = 0;
};
struct CodeCoverage {
  uint64_t prompts = 0;
  uint64_t combinations = 0;  // size of the combination space
  CoverageStats topic, audience, style, difficulty, combination;
  std::map<std::string, uint64_t> audiences, styles, difficulties;  // counts by key
  std::string report() const;                                       // a small table for people
};
CodeCoverage code_coverage(const PromptSampler& sampler, uint64_t seed, uint64_t count);

}  // namespace primer::prompts
