// Where a run's records go: the pipeline's last stage (docs/architecture.md, "A record's
// life in `primer run`"). `Run` (run.cc) asks its sink, chosen once by make_run_sink, and
// never tests which one it has:
//
//   DatasetSink    OUT: the ordered filters decide; kept records go to train shards and
//                  the validation split, dropped ones to rejected/ ([storage] rejected);
//                  at the end data/, the tokenizer and token shards, README.md, manifest.
//   TaskSliceSink  OUT/tasks/K (`--task K/N`): the ordered filters are left to `primer
//                  merge`; every record the stateless filters kept becomes a candidate,
//                  and every prompt an outcome signature (pipeline/outcomes.h); at the end
//                  candidates-*.jsonl.zst, signatures-*.bin, task.json and the slice's
//                  manifest.
//
// A sink writes only into its directory, each file atomically, and keeps its progress in
// the run's RunState so that a killed run resumes where its last checkpoint was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/config.h"
#include "pipeline/outcomes.h"
#include "pipeline/run.h"
#include "pipeline/run_state.h"
#include "storage/card.h"
#include "storage/manifest.h"

namespace primer::pipeline {

// What finishing a run needs from it.
struct RunEnding {
  RunState& state;             // as of the final checkpoint (phase "finalize")
  storage::Manifest manifest;  // counts, filters, caveats, train (or candidate) shards
  storage::CardInfo card;      // a dataset's README.md
  int threads = 0;             // token encoding: 0 = all cores
  bool progress = true;        // lines on stderr
};

class RunSink {
 public:
  RunSink(std::filesystem::path dir, uint64_t begin, uint64_t end) : dir_(std::move(dir)), begin_(begin), end_(end) {}
  virtual ~RunSink() = default;

  const std::filesystem::path& dir() const { return dir_; }
  // The prompt indices [begin, end) the run covers.
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }

  // Whether the ordered filters (dedup) decide in this run.
  virtual bool decides() const = 0;
  // Whether dropped records are kept (rejected/).
  virtual bool keeps_rejected() const = 0;
  // Whether kept records are split into train and validation.
  virtual bool splits_validation() const = 0;
  // The split of the shards kept records stream into: "train" or "candidates".
  virtual std::string_view shard_split() const = 0;

  // A new run: the sink's directories and identity files (after the journal's).
  virtual void create() const = 0;
  // An existing directory (an unfinished or finished run): it holds what this sink would
  // write, or a RunError says what it holds and what to do.
  virtual void check() const {}
  // Every outcome `consume` counts, in prompt order.
  virtual void record(const PromptOutcome&) {}
  // Whether the sink holds enough in memory to want a checkpoint now.
  virtual bool wants_checkpoint() const { return false; }
  // Checkpoint k: write what the sink holds as journal pieces listed in `state`.
  virtual void checkpoint(RunState&, uint64_t /*k*/) {}
  // The run is complete: move everything to its final name; manifest.json last. Returns
  // the manifest written.
  virtual storage::Manifest finish(RunEnding& ending) = 0;
  // Whether `primer run` writes report.html for this output at the end.
  virtual bool writes_report() const = 0;

 protected:
  // Moves a journal file (relative to dir()) to its final name; a rerun after a crash may
  // find it there already.
  void place(const std::string& from, const std::string& to) const;
  // The rejected pieces of `state` as rejected/ shards.
  void place_rejected(const RunState& state) const;

 private:
  std::filesystem::path dir_;
  uint64_t begin_, end_;
};

// The dataset directory options.out, or task options.task's slice of it.
std::unique_ptr<RunSink> make_run_sink(const Config& config, const RunOptions& options);

}  // namespace primer::pipeline
