// primer run CONFIG.toml [--out DIR] [--task K/N] [--threads N] [--quiet]
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/config.h"
#include "pipeline/merge.h"
#include "pipeline/run.h"

namespace primer::cli {
namespace {

struct RunArgs {
  std::string config;
  std::string out;
  std::string task;
  int threads = 0;
  bool quiet = false;
  bool estimate = false;
};

int run_command(const RunArgs& a) {
  const pipeline::Config config = pipeline::load_config(a.config);
  if (a.estimate) {
    const auto e = pipeline::estimate(config);
    std::printf("requests           %llu\n", static_cast<unsigned long long>(e.requests));
    if (e.sampled < e.requests)
      std::printf("prompt tokens      ~%.0f (prompt characters / 4, measured on %llu prompts spread over the run)\n",
                  e.prompt_tokens, static_cast<unsigned long long>(e.sampled));
    else std::printf("prompt tokens      ~%.0f (prompt characters / 4)\n", e.prompt_tokens);
    std::printf("completion tokens  at most %.0f (max_tokens per request)\n", e.completion_tokens);
    if (e.cost_usd) std::printf("cost               at most $%.2f (%s)\n", *e.cost_usd, e.model.c_str());
    else
      std::printf("cost               unknown: no price for model '%s' (set teacher.price_input and price_output)\n",
                  e.model.c_str());
    return 0;
  }
  pipeline::RunOptions options;
  options.out = !a.out.empty() ? std::filesystem::path(a.out) : config.out;
  if (options.out.empty()) throw UsageError("no output directory; give --out DIR or set out = \"...\" in " + a.config);
  options.threads = a.threads;
  options.progress = !a.quiet;
  try {
    // --task, else the scheduler's environment (Slurm array, Kubernetes Indexed Job), else the whole run.
    auto getenv = [](const char* name) -> const char* { return std::getenv(name); };
    options.task =
        !a.task.empty() ? pipeline::parse_task(a.task) : pipeline::task_from_environment(getenv, config.tasks);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (options.task && config.tasks != 0 && config.tasks != options.task->count)
    throw UsageError("--task " + a.task + " splits the run into " + std::to_string(options.task->count) +
                     " tasks, the config's tasks = " + std::to_string(config.tasks));
  std::string task_name;
  uint64_t begin = 0;
  if (const auto& t = options.task) {
    task_name = "task " + std::to_string(t->index) + "/" + std::to_string(t->count);
    begin = t->begin(config.count);
    if (!a.quiet)
      std::fprintf(stderr, "primer run: %s: prompts %llu..%llu of %llu, into %s\n", task_name.c_str(),
                   static_cast<unsigned long long>(begin), static_cast<unsigned long long>(t->end(config.count)) - 1,
                   static_cast<unsigned long long>(config.count),
                   (options.out / "tasks" / std::to_string(t->index)).c_str());
  }
  const pipeline::RunReport r = pipeline::run(config, options);
  if (r.already_complete) {
    std::printf("%s%s is already complete (%llu records); nothing to do.\n", options.out.c_str(),
                options.task ? (" " + task_name).c_str() : "", static_cast<unsigned long long>(r.manifest.kept));
    return 0;
  }
  if (r.budget_reached) {
    std::fprintf(stderr, "primer: %s\n", r.stop_message.c_str());
    return 0;
  }
  if (r.teacher_stopped) return report_error(1, r.stop_message);
  if (r.interrupted) {
    std::fprintf(stderr,
                 "primer: interrupted after %llu prompts; rerun the same command to resume from the last checkpoint\n",
                 static_cast<unsigned long long>(r.manifest.prompts));
    return 130;
  }
  if (r.resumed_from > begin) std::printf("resumed at prompt %llu\n", static_cast<unsigned long long>(r.resumed_from));
  if (options.task) {
    std::printf("%s done: %llu prompts, %llu replies, %llu candidates for the merge\n", task_name.c_str(),
                static_cast<unsigned long long>(r.manifest.prompts),
                static_cast<unsigned long long>(r.manifest.replies), static_cast<unsigned long long>(r.manifest.kept));
    std::printf("when all %u tasks are done: primer merge %s\n", options.task->count, options.out.c_str());
    return 0;
  }
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
      "lost or duplicated) and does nothing for a finished one.\n\n"
      "Split runs: --task K/N runs only task K's slice of the prompts (K = 0..N-1) into OUT/tasks/K/; "
      "'primer merge OUT' then joins the tasks with global deduplication. Without --task, a Slurm array task "
      "(SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with "
      "N from the config's 'tasks') runs its own task.");
  run->add_option("config", args->config, "Run config (TOML), e.g. examples/tinystories.toml")->required();
  run->add_option(
      "--out", args->out,
      "Output dataset directory (default: the config's 'out'; either is relative to the working directory)");
  run->add_option("--task", args->task, "Run only task K of N (K/N, K = 0..N-1) into OUT/tasks/K/; see 'primer merge'");
  run->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(at_least(0));
  run->add_flag("-q,--quiet", args->quiet, "No progress lines on stderr");
  run->add_flag("--estimate", args->estimate, "Print the expected requests, tokens and cost; send nothing");
}

}  // namespace primer::cli
