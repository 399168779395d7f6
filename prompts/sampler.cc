#include "prompts/sampler.h"

#include "prompts/code.h"

namespace primer::prompts {
namespace {

struct Kind;
using Make = std::unique_ptr<PromptSampler> (*)(const Kind&, const SamplerOptions&, const vocab::Vocabulary&);

// A prompt kind: its name (in configs and records), what it asks the teacher for, and its
// sampler. The only place a kind's name is written.
struct Kind {
  std::string_view name;
  ReplyShape shape;
  Make make;
};

std::unique_ptr<PromptSampler> stories(const Kind& k, const SamplerOptions& o, const vocab::Vocabulary& v) {
  return std::make_unique<TinyStoriesSampler>(v,
                                              PromptTemplate::load(o.template_path, TinyStoriesSampler::placeholders()),
                                              TinyStoriesOptions{o.feature_probability, std::string(k.name)});
}

constexpr Kind kKinds[] = {
    {"tinystories", ReplyShape::kStory, stories},
    {"tinystories-instruct", ReplyShape::kInstruct, stories},  // the same prompts, asking for a summary too
    {"codetextbook", ReplyShape::kLesson,
     [](const Kind& k, const SamplerOptions& o, const vocab::Vocabulary&) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<CodeTextbookSampler>(
           PromptTemplate::load(o.template_path, CodeTextbookSampler::placeholders()), std::string(k.name));
     }},
    {"codeexercises", ReplyShape::kExercise,
     [](const Kind& k, const SamplerOptions& o, const vocab::Vocabulary&) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<CodeExercisesSampler>(
           PromptTemplate::load(o.template_path, CodeExercisesSampler::placeholders()), std::string(k.name));
     }},
    {"recipe", ReplyShape::kRecipe,
     [](const Kind& k, const SamplerOptions& o, const vocab::Vocabulary&) -> std::unique_ptr<PromptSampler> {
       RecipeOptions r = o.recipe;
       r.template_path = o.template_path;
       return std::make_unique<RecipeSampler>(r, std::string(k.name));
     }},
};

}  // namespace

std::unique_ptr<PromptSampler> make_sampler(const SamplerOptions& options, const vocab::Vocabulary& vocab) {
  for (const auto& k : kKinds)
    if (k.name == options.kind) return k.make(k, options, vocab);
  std::string known;
  for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
  throw PromptError("unknown prompt kind '" + options.kind + "' (known: " + known + ")");
}

std::string_view default_kind() { return kKinds[0].name; }

ReplyShape reply_shape(std::string_view kind) {
  for (const auto& k : kKinds)
    if (k.name == kind) return k.shape;
  return ReplyShape::kStory;
}

std::vector<std::string_view> sampler_kinds() {
  std::vector<std::string_view> out;
  for (const auto& k : kKinds) out.push_back(k.name);
  return out;
}

std::filesystem::path default_template(std::string_view kind) {
  return std::filesystem::path("prompts") / (std::string(kind) + ".txt");
}

}  // namespace primer::prompts
