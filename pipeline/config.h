// The run config (TOML). Every key is checked: an unknown or mistyped key, or a value of
// the wrong type, is a ConfigError that names the key, the file and the line, e.g.
//   examples/tinystories.toml:14: unknown key 'teacher.nosie' (did you mean 'noise'?)
// The keys are documented in README.md ("Run config").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "filters/filter.h"
#include "generators/http_teacher.h"
#include "model/tokenizer.h"
#include "prompts/prompt.h"
#include "prompts/sampler.h"
#include "storage/manifest.h"
#include "storage/shard.h"

namespace primer::pipeline {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PromptsConfig {
  std::string kind = std::string(prompts::default_kind());          // one of prompts::sampler_kinds()
  std::filesystem::path template_path = "prompts/tinystories.txt";  // default: prompts/<kind>.txt
  double feature_probability = 0.35;
  // kind = "recipe": slots (paths as written; make_sampler resolves them), cover and the
  // [reply] table.
  prompts::RecipeOptions recipe;
};

struct TeacherConfig {
  std::string kind = "builtin";         // builtin | openai
  double noise = 0.0;                   // builtin: share of deliberately bad replies
  double hostile = 0.0;                 // builtin, codeexercises: share of replies that attack the sandbox
  generators::HttpTeacherOptions http;  // openai: server, request, limits, retries, price
  double budget_usd = 0;                // openai: 0 = no cap
};

struct StorageConfig {
  int64_t shard_records = 100000;  // records per train/validation shard (0: no limit)
  double shard_mb = 0;             // MB (10^6 bytes of JSON Lines) per shard (0: no limit)
  // 0: zstd's single-threaded format; > 0: its multi-threaded format (same bytes for any
  // count > 0); -1 (unset): storage::auto_zstd_workers(), recorded in the manifest.
  int zstd_workers = -1;
  double validation_fraction = 0.01;  // share of records (by id hash) in the validation split
  int zstd_level = 3;
  std::string license = "other";  // dataset card licence
  bool rejected = false;          // also keep dropped records in OUT/rejected/ with their reason

  // The options the shard writers use, with an unset zstd_workers resolved.
  storage::ShardOptions shard_options() const {
    return {zstd_level, zstd_workers < 0 ? storage::auto_zstd_workers() : zstd_workers};
  }
  // What the manifest says of them.
  storage::CompressionInfo compression_info() const {
    const storage::ShardOptions o = shard_options();
    return {o.zstd_level, o.zstd_workers, zstd_workers < 0};
  }
};

// [report]: what `primer run` does at the end (pipeline/report.h). Not part of the
// config hash: it does not change the dataset.
struct ReportConfig {
  bool enabled = true;  // write OUT/report.html when the run finishes
  bool verify = true;   // its verify status recomputes the shard checksums
};

// One [[filters]] block: its kind and a reader for its own keys.
struct FilterConfig {
  std::string kind;
  std::string where;            // "file:line" of the block, for messages
  std::shared_ptr<void> table;  // the block's TOML table, kept alive with its document
};

struct Config {
  std::filesystem::path file;  // the config file as given
  uint64_t seed = 1;
  uint64_t count = 2000;
  std::filesystem::path out;  // default for --out (may be empty)
  // Tasks of a split run, for Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX names the
  // task, not their number); 0: not set. Not in the hash: a split changes no output.
  uint32_t tasks = 0;
  PromptsConfig prompts;
  std::filesystem::path vocab_list = "vocab/default.txt";
  TeacherConfig teacher;
  std::vector<FilterConfig> filters;
  StorageConfig storage;
  ReportConfig report;
  // [tokenizer]: train a sentencepiece model and encode token shards at the end of the run.
  std::optional<model::TokenizerOptions> tokenizer;
  // The config as canonical JSON, and the sha256 of that JSON; a resumed run must have
  // the same hash. Left out: "out" (moving a run keeps its hash), "tasks", and the teacher's
  // operational keys (base_url, api_key_env, max_in_flight, rpm, tpm, max_attempts,
  // timeouts, budget_usd), which may change between the sessions of one run, and [report].
  std::string canonical_json;
  std::string hash;
  // The files the run reads besides the config, as named in it: [vocab] list, [prompts]
  // template and every file a filter setting names (found by the filter check below).
  // The hash covers their names; hash_inputs() covers their bytes.
  std::vector<std::pair<std::string, std::filesystem::path>> input_files;  // {key, path}

  // Resolves a path from the config: absolute as is; otherwise the first that exists of
  // the working directory, the config file's directory and primer's data directory.
  // Throws ConfigError naming the key and the places tried.
  std::filesystem::path resolve(const std::filesystem::path& p, std::string_view key) const;
};

// Resolves and hashes every file of config.input_files, in order. Throws ConfigError
// naming the key of a file that is missing, StorageError if one cannot be read.
std::vector<storage::InputFile> hash_inputs(const Config& config);
// The first difference between the inputs a run was made from and those of now, as
// "the vocabulary list words.txt (vocab.list) changed (sha256 1a2b3c4d5e6f..., now
// 9f8e7d6c5b4a...)"; empty when they are the same. `before` empty: not recorded (runs
// of older versions), nothing to compare.
std::string changed_input(const std::vector<storage::InputFile>& before, const std::vector<storage::InputFile>& now);

// Parses and validates a config file. Throws ConfigError.
Config load_config(const std::filesystem::path& path);
Config parse_config(std::string_view toml_text, const std::filesystem::path& origin);

// The config's prompt sampler ([prompts] kind and template). Throws ConfigError. The
// vocabulary must outlive the sampler.
std::unique_ptr<prompts::PromptSampler> make_sampler(const Config& config, const vocab::Vocabulary& vocab);

// Builds the [[filters]] chain; errors in filter keys name the file and the line.
std::vector<std::unique_ptr<filters::Filter>> make_filters(const Config& config, const filters::FilterContext& context);

// The chain's counts as the manifest holds them (every reason, zeros included), and back
// (a resumed run restores them with FilterChain::set_counts).
std::vector<storage::FilterReport> filter_reports(const filters::FilterChain& chain);
std::vector<filters::FilterCounts> filter_counts(const std::vector<storage::FilterReport>& reports);

}  // namespace primer::pipeline
