// primer merge OUT [--config C] [--quiet]
#include <cstdio>
#include <memory>

#include "pipeline/commands.h"
#include "pipeline/merge.h"

namespace primer::cli {
namespace {

struct MergeArgs {
  std::string out;
  std::string config;
  bool quiet = false;
};

int merge_command(const MergeArgs& a) {
  pipeline::MergeOptions options;
  options.out = a.out;
  options.config = a.config;
  options.progress = !a.quiet;
  const pipeline::RunReport r = pipeline::merge(options);
  if (r.already_complete) {
    std::printf("%s is already merged (%llu records); nothing to do.\n", a.out.c_str(),
                static_cast<unsigned long long>(r.manifest.kept));
    return 0;
  }
  if (r.interrupted) {
    std::fprintf(stderr, "primer: merge interrupted; rerun the same command to resume from the last checkpoint\n");
    return 130;
  }
  if (r.resumed_from > 0) std::printf("resumed at prompt %llu\n", static_cast<unsigned long long>(r.resumed_from));
  std::printf("%s", pipeline::summary_table(r.manifest).c_str());
  std::printf("dataset: %s (manifest.json, README.md, data/; tasks/ may be deleted)\n", a.out.c_str());
  return 0;
}

}  // namespace

void add_merge_command(Commands& commands) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* merge = commands.add("merge", "Join the tasks of a split run (primer run --task K/N) into one dataset.",
                                 [args] { return merge_command(*args); });
  merge->footer(
      "Checks that every task OUT/tasks/0..N-1 is complete and ran the same config (naming the missing or "
      "incomplete ones otherwise), then applies the ordered filters (exact and near-duplicate removal, "
      "decontamination) across all tasks in prompt order and writes OUT/data/, OUT/manifest.json and the dataset "
      "card OUT/README.md (and the tokenizer and token shards when the config asks for them): the same dataset a "
      "single-machine 'primer run' of the config writes. Waits for nothing: run it after the last task (Slurm: "
      "'primer slurm submit' queues it with an afterok dependency). An interrupted merge resumes when rerun.");
  merge->add_option("out", args->out, "The split run's directory (the --out of its tasks)")
      ->required()
      ->check(existing_path());
  merge->add_option("--config", args->config,
                    "The run config (default: the one the tasks ran, as recorded in OUT/tasks/K/task.json)");
  merge->add_flag("-q,--quiet", args->quiet, "No progress lines on stderr");
}

}  // namespace primer::cli
