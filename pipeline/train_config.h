// The training config of `primer train CONFIG.toml` (README, "The reference model"):
// [model] the transformer's shape, [train] data, optimisation, evaluation, checkpoints.
// Keys are checked as strictly as the run config's (unknown key → file:line + did you
// mean). README.md ("Training config") documents every key.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "model/config.h"
#include "model/train.h"

namespace primer::pipeline {

struct TrainConfig {
  std::filesystem::path file;
  model::ModelConfig model;
  model::TrainOptions train;  // train.data resolved; train.config_hash set
  int threads = 0;            // 0: all cores
  std::filesystem::path out;  // default for --out (may be empty)
  bool report = true;         // write report.html at the end
};

// Throws ConfigError.
TrainConfig load_train_config(const std::filesystem::path& path);
TrainConfig parse_train_config(std::string_view toml_text, const std::filesystem::path& origin);

}  // namespace primer::pipeline
