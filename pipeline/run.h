// `primer run`: prompts → teacher → filters → shards, resumable.
//
// How a run survives being killed at any moment (SIGKILL included):
//   - Prompts are processed in index order; kept records stream into the current train
//     shard. When it reaches shard_records, a checkpoint is committed: the shard is
//     renamed into journal/shards/, the validation records since the last checkpoint go
//     to journal/validation/piece-K, each ordered filter's new state (dedup hashes) to
//     journal/filters/, and finally journal/state.json (next prompt index, counters,
//     shard list) is replaced atomically. state.json is the commit point.
//   - A rerun loads state.json, restores the filters and counters, and continues from
//     the next prompt index. Every stage is a pure function of (config, prompt index,
//     filter state), so the result is byte-identical to an uninterrupted run.
//   - At the end the validation pieces become validation shards, all shards move to
//     data/ under their final names, then README.md and, last, manifest.json.
//     manifest.json present means complete: a rerun says so and does nothing.
//
// Split runs (pipeline/outcomes.h): with RunOptions::task, only the task's slice of the
// prompt indices runs, into OUT/tasks/K/ (a TaskSliceSink, pipeline/run_sinks.h), and the
// ordered filters are left to `primer merge`, which runs this same pipeline with
// RunOptions::replay as the source of prompt outcomes. Tasks resume from their journals
// like whole runs.
#pragma once

#include <filesystem>
#include <optional>

#include <map>

#include "generators/http_teacher.h"
#include "pipeline/config.h"
#include "pipeline/outcomes.h"
#include "storage/manifest.h"

namespace primer::pipeline {

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Task K of N (0 <= K < N) owns the contiguous prompt indices
// [count * K / N, count * (K + 1) / N): a split is a pure function of (count, N).
struct TaskSlice {
  uint32_t index = 0;
  uint32_t count = 1;
  uint64_t begin(uint64_t prompts) const { return uint64_t((unsigned __int128)prompts * index / count); }
  uint64_t end(uint64_t prompts) const { return uint64_t((unsigned __int128)prompts * (index + 1) / count); }
};

struct RunOptions {
  std::filesystem::path out;  // dataset directory
  int threads = 0;            // 0: all cores
  bool progress = true;       // progress lines on stderr
  // `primer batch import`: the replies come from OpenAI Batch API result files (by
  // prompt index) instead of a live teacher; a missing index is a teacher failure.
  const std::map<uint64_t, generators::Completion>* batch_replies = nullptr;
  // Run only this task's slice, into out/tasks/K/: candidates and signatures, no
  // ordered filters, no validation split, no tokenizer, no card.
  std::optional<TaskSlice> task;
  // `primer merge`: the outcomes of all tasks replace prompts, teacher and the stateless
  // filters; `out` may then already hold tasks/.
  OutcomeSource* replay = nullptr;
};

struct RunReport {
  bool already_complete = false;  // nothing to do: the directory holds this finished run
  bool interrupted = false;       // SIGINT/SIGTERM: stopped; rerun resumes
  bool budget_reached = false;    // HTTP teacher: budget_usd would be crossed; resumable
  bool teacher_stopped = false;   // HTTP teacher: no quota left, or the server unreachable; resumable
  std::string stop_message;       // why the run stopped early, for the user
  uint64_t resumed_from = 0;      // first prompt index processed in this session
  storage::Manifest manifest;     // complete unless interrupted
};

RunReport run(const Config& config, const RunOptions& options);

// What a run would send, without sending anything (`primer run --estimate`).
struct Estimate {
  uint64_t requests = 0;
  double prompt_tokens = 0;        // estimated: prompt characters / 4
  double completion_tokens = 0;    // at most max_tokens per request
  std::optional<double> cost_usd;  // nullopt when the model's price is unknown
  std::string model;
  uint64_t sampled = 0;  // prompts rendered to measure prompt_tokens (= requests up to kEstimateSample)
};
// Prompts rendered at most by estimate(): a run of more is measured on this many, spread
// evenly over its indices, and scaled (so 2^63 prompts take as long as 10,000).
inline constexpr uint64_t kEstimateSample = 10000;
Estimate estimate(const Config& config);

// The end-of-run table: counts per stage, per filter and reason, shards.
std::string summary_table(const storage::Manifest& manifest);

}  // namespace primer::pipeline
