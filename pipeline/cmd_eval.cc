// primer eval CHECKPOINT --config CONFIG [--samples N] [--data DIR] [--beginnings FILE]
#include <cstdio>
#include <string>
#include <vector>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/eval.h"

namespace primer::cli {
namespace {

struct EvalArgs {
  std::string checkpoint, config, data, beginnings;
  pipeline::EvalOptions options;
  bool quiet = false;
};

int eval_command(EvalArgs a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  a.options.checkpoint = a.checkpoint;
  a.options.data = a.data;
  if (!a.beginnings.empty()) a.options.beginnings = a.beginnings;
  a.options.progress = !a.quiet;
  std::erase(a.options.formats, "none");
  const pipeline::EvalResult r = pipeline::evaluate(config, a.options);
  pipeline::write_eval_outputs(r);
  std::printf("%s", pipeline::eval_table(r).c_str());
  std::printf("wrote %s/eval.json and eval.svg\n", r.checkpoint.c_str());
  return 0;
}

}  // namespace

void add_eval_command(Commands& commands) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = commands.add("eval", "Evaluate a trained model: automatic measures and the teacher's grades.",
                               [a] { return eval_command(*a); });
  cmd->footer(
      "The model completes beginnings of held-out stories (greedy and sampled). Automatic measures: "
      "validation loss and perplexity, distinct-1/2/3, repetition, OOV rate, sentence endings. With "
      "[teacher] kind = \"openai\" the teacher grades grammar, creativity and consistency (1-10) with "
      "prompts/eval_rubric.txt; with the built-in teacher an offline heuristic grader stands in. Writes "
      "eval.json and eval.svg beside the checkpoint.");
  cmd->add_option("checkpoint", a->checkpoint, "Checkpoint, training directory, .gguf or llama2.c .bin")
      ->required()
      ->check(existing_path());
  cmd->add_option("--config", a->config, "Run config: its dataset (out), vocabulary and teacher")->required();
  cmd->add_option("--samples", a->options.samples, "Story beginnings (default 50)")->check(at_least(1));
  cmd->add_option("--data", a->data, "Dataset directory (default: the config's out)")->check(existing_path());
  cmd->add_option("--beginnings", a->beginnings, "A file of beginnings, one per line, instead of the dataset's")
      ->check(existing_path());
  cmd->add_option("--max-tokens", a->options.max_tokens, "Tokens per completion (default 200)")->check(at_least(1));
  cmd->add_option("--seed", a->options.seed, "Sampling seed (default 1)");
  cmd->add_option("--formats", a->options.formats,
                  "Weight formats compared with the model as loaded: perplexity on the same validation tokens and "
                  "the share of identical 50-token greedy continuations (default f16,q8_0; 'none' for none)")
      ->delimiter(',')
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "none"}));
  cmd->add_flag("-q,--quiet", a->quiet, "No progress lines");
}

}  // namespace primer::cli
