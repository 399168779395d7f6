// primer batch export CONFIG --out DIR
// primer batch import RESULTS... --config CONFIG --out DIR
#include <cstdio>
#include <memory>

#include "pipeline/batch.h"
#include "pipeline/commands.h"
#include "pipeline/run.h"

namespace primer::cli {
namespace {

struct ExportArgs {
  std::string config, out;
};
struct ImportArgs {
  std::vector<std::string> files;
  std::string config, out;
  bool quiet = false;
};

int export_command(const ExportArgs& a) {
  const auto config = pipeline::load_config(a.config);
  const auto r = pipeline::export_batch(config, a.out);
  for (const auto& f : r.files) std::printf("%s\n", f.c_str());
  std::printf(
      "%llu requests in %zu files (%.1f MB); upload them to the Batch API (50%% of the price), then\n"
      "  primer batch import RESULTS.jsonl... --config %s --out DATASET\n",
      static_cast<unsigned long long>(r.requests), r.files.size(), double(r.bytes) / 1e6, a.config.c_str());
  return 0;
}

int import_command(const ImportArgs& a) {
  const auto config = pipeline::load_config(a.config);
  std::vector<std::filesystem::path> files(a.files.begin(), a.files.end());
  for (const auto& f : files)
    if (!std::filesystem::exists(f)) throw UsageError("no such file: " + f.string());
  const auto results = pipeline::read_batch_results(config, files);
  std::fprintf(
      stderr,
      "primer batch import: %llu result lines: %llu answered, %llu errors, %llu malformed, %llu of other runs, %llu duplicates; %llu of %llu prompts have no result\n",
      (unsigned long long)results.lines, (unsigned long long)results.ok, (unsigned long long)results.failed,
      (unsigned long long)results.malformed, (unsigned long long)results.unknown,
      (unsigned long long)results.duplicates, (unsigned long long)(config.count - results.replies.size()),
      (unsigned long long)config.count);
  for (const auto& e : results.examples) std::fprintf(stderr, "  error: %s\n", e.c_str());
  pipeline::RunOptions options;
  options.out = a.out;
  options.progress = !a.quiet;
  options.batch_replies = &results.replies;
  const auto r = pipeline::run(config, options);
  if (r.already_complete) {
    std::printf("%s is already complete; nothing to do.\n", a.out.c_str());
    return 0;
  }
  if (r.interrupted) return report_error(130, "interrupted; rerun the same command to resume");
  std::printf("%s", pipeline::summary_table(r.manifest).c_str());
  std::printf("dataset: %s\n", a.out.c_str());
  return 0;
}

}  // namespace

void add_batch_commands(Commands& commands) {
  CLI::App* batch = commands.app().add_subcommand("batch", "OpenAI Batch API: export request files, import results.");
  batch->require_subcommand(1);
  auto ex = std::make_shared<ExportArgs>();
  CLI::App* e = commands.add(
      "export", "Write the run's requests as Batch API input files (custom_id = prompt id).",
      [ex] { return export_command(*ex); }, batch);
  e->add_option("config", ex->config, "Run config with [teacher] kind = \"openai\"")->required();
  e->add_option("--out", ex->out, "Directory for batch-NNNNN.jsonl (at most 50,000 lines / 100 MB each)")->required();
  auto im = std::make_shared<ImportArgs>();
  CLI::App* i = commands.add(
      "import", "Join Batch API result files on custom_id (any order) and run the rest of the pipeline.",
      [im] { return import_command(*im); }, batch);
  i->add_option("files", im->files, "Result files (.jsonl or .jsonl.zst)")->required();
  i->add_option("--config", im->config, "The config the requests were exported with")->required();
  i->add_option("--out", im->out, "Output dataset directory")->required();
  i->add_flag("-q,--quiet", im->quiet, "No progress lines on stderr");
}

}  // namespace primer::cli
