// End-to-end benchmark of `primer run` on the built-in teacher.
//
//   build/bench/pipeline_bench [--stories N] [--threads T]
//
// Prints, for the same N prompts in the same process:
//   - the baseline: the built-in teacher alone (sample prompt + write story, all cores),
//   - the whole pipeline (teacher → 4 filters → zstd shards, manifest, card; fsyncs
//     included), as stories/s and MB/s of story text, and its ratio to the baseline.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

#include "generators/builtin.h"
#include "pipeline/config.h"
#include "pipeline/run.h"

using namespace primer;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  uint64_t stories = 200000;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--stories")) stories = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  const unsigned cores = threads > 0 ? unsigned(threads) : std::thread::hardware_concurrency();

  const std::string toml = "seed = 1\ncount = " + std::to_string(stories) +
                           "\n[teacher]\nnoise = 0.1\n"
                           "[[filters]]\nkind = \"truncation\"\n"
                           "[[filters]]\nkind = \"length\"\nmin_words = 80\n"
                           "[[filters]]\nkind = \"exact_dedup\"\n"
                           "[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.0\n"
                           "[storage]\nshard_records = 100000\n";
  const pipeline::Config config =
      pipeline::parse_config(toml, std::filesystem::path(PRIMER_SOURCE_DIR) / "bench/bench.toml");

  // Baseline: the teacher alone.
  const auto vocab = vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
  prompts::TinyStoriesSampler sampler(
      vocab,
      prompts::PromptTemplate::load(config.resolve(config.prompts.template_path, "prompts.template"),
                                    prompts::TinyStoriesSampler::placeholders()),
      {config.prompts.feature_probability});
  generators::BuiltinTeacher teacher(vocab, {config.teacher.noise});
  std::atomic<uint64_t> bytes{0};
  auto t0 = Clock::now();
  tbb::parallel_for(tbb::blocked_range<uint64_t>(0, stories, 256), [&](const tbb::blocked_range<uint64_t>& r) {
    uint64_t local = 0;
    for (uint64_t i = r.begin(); i < r.end(); ++i)
      local += teacher.complete(sampler.sample(config.seed, i)).text.size();
    bytes += local;
  });
  const double base_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The whole pipeline.
  const auto out = std::filesystem::temp_directory_path() / ("primer-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  pipeline::RunOptions options;
  options.out = out;
  options.threads = threads;
  options.progress = false;
  t0 = Clock::now();
  const auto report = pipeline::run(config, options);
  const double run_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::filesystem::remove_all(out);

  const double mb = double(bytes.load()) / 1e6;
  std::printf("pipeline_bench: %llu stories, %.1f MB of story text, %u cores\n", (unsigned long long)stories, mb,
              cores);
  std::printf("  %-34s %10.0f stories/s %8.1f MB/s\n", "baseline: built-in teacher alone", double(stories) / base_s,
              mb / base_s);
  std::printf("  %-34s %10.0f stories/s %8.1f MB/s  (%.2fx of baseline)\n", "primer run (end to end)",
              double(stories) / run_s, mb / run_s, base_s / run_s);
  std::printf("  kept %llu of %llu (%.1f%%), %.1f MB kept text in %zu shards\n",
              (unsigned long long)report.manifest.kept, (unsigned long long)stories,
              100.0 * double(report.manifest.kept) / double(stories), double(report.manifest.text_bytes) / 1e6,
              report.manifest.shards.size());
  return 0;
}
