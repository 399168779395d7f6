// Internal to `primer report` (pipeline/report.cc): the training half of the page. What a
// training output directory holds (metrics.jsonl, eval.json, checkpoints: directories
// with a state.json) and the Training section that shows it.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace primer::pipeline::report {

struct MetricRow {
  double step = NAN, loss = NAN, lr = NAN, tokens_per_s = NAN, val_loss = NAN, gflops = NAN;
};

struct Checkpoint {
  std::string path;
  std::string step;
  uint64_t bytes = 0;
};

struct TrainingRun {
  std::vector<MetricRow> metrics;
  std::vector<Checkpoint> checkpoints;
  std::optional<std::string> eval_json;
};

// What `dir` holds of a training run; nullopt when it holds none of metrics.jsonl,
// eval.json and a checkpoint. A missing or malformed metrics.jsonl and an unreadable
// eval.json are reported to `problem`.
std::optional<TrainingRun> load_training(const std::filesystem::path& dir,
                                         const std::function<void(const std::string&)>& problem);

// The Training section: cards, loss, learning-rate, throughput and GFLOP/s curves, the
// eval table (an eval.json that is not a JSON object is reported to `problem`) and the
// checkpoints.
std::string training_section(const TrainingRun& run, const std::function<void(const std::string&)>& problem);

}  // namespace primer::pipeline::report
