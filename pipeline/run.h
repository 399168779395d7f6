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
#pragma once

#include <filesystem>

#include "pipeline/config.h"
#include "storage/manifest.h"

namespace primer::pipeline {

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::filesystem::path out;  // dataset directory
  int threads = 0;            // 0: all cores
  bool progress = true;       // progress lines on stderr
};

struct RunReport {
  bool already_complete = false;  // nothing to do: the directory holds this finished run
  bool interrupted = false;       // SIGINT/SIGTERM: stopped; rerun resumes
  uint64_t resumed_from = 0;      // first prompt index processed in this session
  storage::Manifest manifest;     // complete unless interrupted
};

RunReport run(const Config& config, const RunOptions& options);

// The end-of-run table: counts per stage, per filter and reason, shards.
std::string summary_table(const storage::Manifest& manifest);

}  // namespace primer::pipeline
