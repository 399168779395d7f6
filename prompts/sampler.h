// make_sampler: the PromptSampler a config's [prompts] kind names.
//
//   kind             template (default)             placeholders
//   tinystories      prompts/tinystories.txt        {verb} {noun} {adjective} {features}
//   tinystories-instruct  prompts/tinystories-instruct.txt  the same; asks for a story and a summary
//   codetextbook     prompts/codetextbook.txt       code.h: CodeTextbookSampler::placeholders()
//   codeexercises    prompts/codeexercises.txt      code.h: CodeExercisesSampler::placeholders()
//   recipe           (the config names it)          the declared slots (recipe.h)
//
// Adding a kind: its sampler class, one entry in sampler.cc's table (its name, its reply
// shape, its factory). Nothing else compares kind names: the layers above ask
// reply_shape() what a kind's replies are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prompts/prompt.h"
#include "prompts/recipe.h"

namespace primer::prompts {

// What a kind asks the teacher for. It decides the built-in teacher's writer, the record's
// fields (an instruct record has its summary), the instruct filter and eval's parser.
// kRecipe: a reply in the config's [reply] format, read by the `reply` filter; its record
// carries the slots and the reply's fields.
enum class ReplyShape : uint8_t { kStory, kInstruct, kLesson, kExercise, kRecipe };
inline bool is_code(ReplyShape s) { return s == ReplyShape::kLesson || s == ReplyShape::kExercise; }

// The reply shape of a registered kind; kStory for any other name (records from elsewhere).
ReplyShape reply_shape(std::string_view kind);

struct SamplerOptions {
  std::string kind = std::string(default_kind());
  std::filesystem::path template_path;  // an existing file (the pipeline resolves it)
  double feature_probability = 0.35;    // tinystories
  RecipeOptions recipe;                 // recipe: slots, cover, reply (paths resolved)
};

// Throws PromptError for an unknown kind or a bad template. The vocabulary must outlive
// the sampler (tinystories draws its words from it).
std::unique_ptr<PromptSampler> make_sampler(const SamplerOptions& options, const vocab::Vocabulary& vocab);

// The kinds make_sampler knows, in table order.
std::vector<std::string_view> sampler_kinds();

// "prompts/<kind>.txt": the template a kind uses unless the config names one (a recipe
// has none: its config must name its template).
std::filesystem::path default_template(std::string_view kind);

}  // namespace primer::prompts
