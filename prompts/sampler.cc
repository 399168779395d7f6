#include "prompts/sampler.h"

#include "prompts/code.h"

namespace primer::prompts {
namespace {

struct Kind {
  std::string_view name;
  std::unique_ptr<PromptSampler> (*make)(const SamplerOptions&, const vocab::Vocabulary&);
};

constexpr Kind kKinds[] = {
    {"tinystories",
     [](const SamplerOptions& o, const vocab::Vocabulary& v) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<TinyStoriesSampler>(
           v, PromptTemplate::load(o.template_path, TinyStoriesSampler::placeholders()),
           TinyStoriesOptions{o.feature_probability});
     }},
    {"tinystories-instruct",
     [](const SamplerOptions& o, const vocab::Vocabulary& v) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<TinyStoriesSampler>(
           v, PromptTemplate::load(o.template_path, TinyStoriesSampler::placeholders()),
           TinyStoriesOptions{o.feature_probability, "tinystories-instruct"});
     }},
    {"codetextbook",
     [](const SamplerOptions& o, const vocab::Vocabulary&) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<CodeTextbookSampler>(
           PromptTemplate::load(o.template_path, CodeTextbookSampler::placeholders()));
     }},
    {"codeexercises",
     [](const SamplerOptions& o, const vocab::Vocabulary&) -> std::unique_ptr<PromptSampler> {
       return std::make_unique<CodeExercisesSampler>(
           PromptTemplate::load(o.template_path, CodeExercisesSampler::placeholders()));
     }},
};

}  // namespace

std::unique_ptr<PromptSampler> make_sampler(const SamplerOptions& options, const vocab::Vocabulary& vocab) {
  for (const auto& k : kKinds)
    if (k.name == options.kind) return k.make(options, vocab);
  std::string known;
  for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
  throw PromptError("unknown prompt kind '" + options.kind + "' (known: " + known + ")");
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
