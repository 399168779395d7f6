// primer prompts CONFIG [--count N] [--start I] [--json]: the prompts a run would send,
// rendered without a teacher (any kind). The same config gives the same lines.
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "prompts/prompt.h"
#include "vocab/vocabulary.h"

namespace primer::cli {
namespace {

struct PromptsArgs {
  std::string config;
  uint64_t count = 10;
  uint64_t start = 0;
  bool json = false;
};

// What was sampled for a prompt, as (name, value): a recipe's slots, or the built-in
// kinds' words, features, topic, audience, style, function and difficulty.
std::vector<std::pair<std::string, std::string>> sampled(const base::PromptSpec& p) {
  if (!p.slots.empty()) return p.slots;
  std::vector<std::pair<std::string, std::string>> out;
  if (!p.verb_word.empty()) {
    out.emplace_back("verb", p.verb_word);
    out.emplace_back("noun", p.noun_word);
    out.emplace_back("adjective", p.adjective_word);
    std::string features;
    for (auto f : p.features.list())
      features += (features.empty() ? "" : ",") + std::string(prompts::feature_info(f).key);
    out.emplace_back("features", features);
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"topic", &p.topic},
                                   {"audience", &p.audience},
                                   {"style", &p.style},
                                   {"function", &p.function_name},
                                   {"difficulty", &p.difficulty}})
    if (!value->empty()) out.emplace_back(key, *value);
  return out;
}

int prompts_command(const PromptsArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  const vocab::Vocabulary vocab = vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
  const auto sampler = pipeline::make_sampler(config, vocab);
  if (a.start > UINT64_MAX - a.count) throw UsageError("--start + --count is past the last prompt index");
  std::string out;
  for (uint64_t i = a.start; i < a.start + a.count; ++i) {
    const base::PromptSpec p = sampler->sample(config.seed, i);
    const auto slots = sampled(p);
    out.clear();
    if (a.json) {
      base::JsonWriter w;
      w.begin_object().field("index", p.index).field("id", base::hex64(p.id)).key("slots").begin_object();
      for (const auto& [name, value] : slots) w.field(name, value);
      w.end_object().field("prompt", p.text).end_object();
      out = w.take();
      out += '\n';
    } else {
      out = "--- prompt " + std::to_string(p.index) + " (id " + base::hex64(p.id) + ")";
      for (const auto& [name, value] : slots) out += " " + name + "=" + value;
      out += " ---\n" + p.text + "\n\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (std::fflush(stdout) != 0) throw std::runtime_error("cannot write to standard output");
  return 0;
}

}  // namespace

void add_prompts_command(Commands& commands) {
  auto args = std::make_shared<PromptsArgs>();
  CLI::App* cmd = commands.add("prompts", "Print the prompts a run would send, without calling the teacher.",
                               [args] { return prompts_command(*args); });
  cmd->footer(
      "Renders prompts START .. START+COUNT-1 of the config (any [prompts] kind) exactly as `primer run` sends them: "
      "the same seed gives the same prompts, and any range gives the lines of the longer run it is part of. "
      "This is how to iterate on a recipe's template and slots. Text output shows each prompt under a line with its "
      "index, id and sampled values; --json writes JSON Lines {\"index\", \"id\", \"slots\": {name: value}, "
      "\"prompt\"} (the built-in kinds list their words and features, or topic, audience, style, function and "
      "difficulty, as slots).");
  cmd->add_option("config", args->config, "Run config (TOML)")->required()->check(existing_path());
  cmd->add_option("--count", args->count, "Number of prompts (default 10)");
  cmd->add_option("--start", args->start, "Index of the first prompt (default 0)");
  cmd->add_flag("--json", args->json, "JSON Lines: {\"index\", \"id\", \"slots\", \"prompt\"}");
}

}  // namespace primer::cli
