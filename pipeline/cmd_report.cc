// primer report DIR [--out FILE] [--no-verify] [--samples N] [--scan N] [--vocab LIST] [--quiet]
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "base/text.h"
#include "pipeline/commands.h"
#include "pipeline/report.h"
#include "storage/manifest.h"

namespace primer::cli {
namespace {

struct ReportArgs {
  std::string dir;
  std::string out;
  bool no_verify = false;
  size_t samples = pipeline::ReportOptions{}.sample_rows;
  uint64_t scan = pipeline::ReportOptions{}.scan_records;
  std::string vocab;
  bool quiet = false;
};

int report_command(const ReportArgs& a) {
  const std::filesystem::path dir = a.dir;
  if (!std::filesystem::is_directory(dir))
    throw UsageError(a.dir + (std::filesystem::exists(dir) ? " is not a directory" : " does not exist"));
  if (!a.vocab.empty() && !std::filesystem::exists(a.vocab)) throw UsageError("--vocab " + a.vocab + ": no such file");
  pipeline::ReportOptions o;
  o.verify = !a.no_verify;
  o.sample_rows = a.samples;
  o.scan_records = a.scan;
  o.vocab_list = a.vocab;
  const std::filesystem::path out = a.out.empty() ? dir / "report.html" : std::filesystem::path(a.out);
  const pipeline::ReportSummary s = pipeline::write_report(dir, out, o);
  if (!a.quiet) {
    std::printf("report: %s (%s, %s bytes)\n", out.c_str(), s.kind.c_str(), base::with_commas(s.bytes).c_str());
    if (!s.problems.empty()) {
      std::printf("%zu problem%s (listed at the top of the page):\n", s.problems.size(),
                  s.problems.size() == 1 ? "" : "s");
      for (const auto& p : s.problems) std::printf("  %s\n", p.c_str());
    }
  }
  return 0;
}

}  // namespace

void add_report_command(Commands& commands) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = commands.add("report", "Write one self-contained HTML page about a dataset or a training run.",
                               [args] { return report_command(*args); });
  cmd->footer(
      "For a dataset directory: the funnel from the manifest (prompts, replies, each filter's drops by reason, kept; "
      "tokens and cost), distributions of story length, OOV rate, features, required words and topic/audience/style, "
      "the most frequent out-of-vocabulary words in context, searchable samples of kept documents and of rejected/ "
      "ones, the manifest and a verify status. For a training directory: loss, validation loss, learning rate and "
      "tokens/s from metrics.jsonl, the eval.json table and the checkpoints.\n"
      "The page has no external resources (inline CSS, SVG and script; a Content-Security-Policy forbids the rest), "
      "so it opens offline and prints. A query in the URL is applied to the sample search: report.html#q=dragon.\n"
      "A missing manifest, a missing or truncated shard or malformed lines still give a page that lists what is "
      "wrong. Exit code 0 when the page was written (problems are listed on stdout too); 2 when DIR does not exist; "
      "1 when the page cannot be written.");
  cmd->add_option("dir", args->dir, "Dataset directory or training output directory")->required();
  cmd->add_option("--out", args->out, "Output file (default: DIR/report.html)");
  cmd->add_flag("--no-verify", args->no_verify, "Skip recomputing shard checksums (faster on large datasets)");
  const pipeline::ReportOptions defaults;
  cmd->add_option("--samples", args->samples,
                  fmt::format("Documents in each samples table (default {})", defaults.sample_rows))
      ->check(at_least(0));
  cmd->add_option(
         "--scan", args->scan,
         fmt::format("Records read for the distributions, spread over the shards (default {})", defaults.scan_records))
      ->check(at_least(1));
  cmd->add_option("--vocab", args->vocab, "Vocabulary list for the OOV figures (default: the run's [vocab] list)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing but errors");
}

}  // namespace primer::cli
