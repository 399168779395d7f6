// primer run CONFIG.toml [--out DIR] [--threads N] [--quiet]
#include <cstdio>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/run.h"

namespace primer::cli {
namespace {

struct RunArgs {
  std::string config;
  std::string out;
  int threads = 0;
  bool quiet = false;
  bool estimate = false;
};

int run_command(const RunArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  if (a.estimate) {
    const auto e = pipeline::estimate(config);
    std::printf("requests           %llu\n", static_cast<unsigned long long>(e.requests));
    std::printf("prompt tokens      ~%.0f (prompt characters / 4)\n", e.prompt_tokens);
    std::printf("completion tokens  at most %.0f (max_tokens per request)\n", e.completion_tokens);
    if (e.cost_usd) std::printf("cost               at most $%.2f (%s)\n", *e.cost_usd, e.model.c_str());
    else std::printf("cost               unknown: no price for model '%s' (set teacher.price_input and price_output)\n", e.model.c_str());
    return 0;
  }
  pipeline::RunOptions options;
  options.out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (options.out.empty()) throw UsageError("no output directory; give --out DIR or set out = \"...\" in " + a.config);
  options.threads = a.threads;
  options.progress = !a.quiet;
  const pipeline::RunReport r = pipeline::run(config, options);
  if (r.already_complete) {
    std::printf("%s is already complete (%llu records); nothing to do.\n", options.out.c_str(),
                static_cast<unsigned long long>(r.manifest.kept));
    return 0;
  }
  if (r.budget_reached) {
    std::fprintf(stderr, "primer: %s\n", r.stop_message.c_str());
    return 0;
  }
  if (r.quota_exhausted) return report_error(1, r.stop_message);
  if (r.interrupted) {
    std::fprintf(stderr,
                 "primer: interrupted after %llu prompts; rerun the same command to resume from the last checkpoint\n",
                 static_cast<unsigned long long>(r.manifest.prompts));
    return 130;
  }
  if (r.resumed_from > 0) std::printf("resumed at prompt %llu\n", static_cast<unsigned long long>(r.resumed_from));
  std::printf("%s", pipeline::summary_table(r.manifest).c_str());
  std::printf("dataset: %s (manifest.json, README.md, data/)\n", options.out.c_str());
  return 0;
}

}  // namespace

void add_run_command(Commands& commands) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = commands.add("run", "Run the whole pipeline of a config: prompts -> teacher -> filters -> shards.",
                               [args] { return run_command(*args); });
  run->footer(
      "Writes OUT/data/{train,validation}-NNNNN-of-NNNNN.jsonl.zst, OUT/manifest.json and the dataset card "
      "OUT/README.md. Running the same command again on the same OUT resumes an interrupted run (no record is "
      "lost or duplicated) and does nothing for a finished one.");
  run->add_option("config", args->config, "Run config (TOML), e.g. examples/tinystories.toml")->required();
  run->add_option("--out", args->out, "Output dataset directory (default: the config's 'out')");
  run->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  run->add_flag("-q,--quiet", args->quiet, "No progress lines on stderr");
  run->add_flag("--estimate", args->estimate, "Print the expected requests, tokens and cost; send nothing");
}

}  // namespace primer::cli
