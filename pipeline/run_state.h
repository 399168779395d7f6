// The journal of an unfinished run (pipeline/run.cc): journal/state.json, written
// atomically at every checkpoint, is the run's commit point (see run.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/manifest.h"

namespace primer::pipeline {

// Everything a checkpoint records (journal/state.json): where to continue, and the
// dataset so far as a Manifest (counters, filter counts, finished train shards).
struct RunState {
  std::string phase = "generate";  // "generate" | "finalize"
  uint64_t next_index = 0;         // first prompt index not yet in a checkpoint
  uint64_t checkpoints = 0;
  std::vector<std::string> validation_pieces;  // paths relative to OUT
  std::vector<std::string> signature_pieces;   // task runs: outcome records, relative to OUT
  std::vector<std::string> rejected_pieces;    // [storage] rejected: dropped records, relative to OUT
  storage::Manifest totals;                    // config_hash, counts, filters, train shards so far

  std::string to_json() const;
  // Throws RunError naming `origin` when the file is corrupt or of another version.
  static RunState parse(const std::string& json, const std::filesystem::path& origin);
};

}  // namespace primer::pipeline
