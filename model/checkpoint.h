// Checkpoints (README, "The reference model"): a directory with
//   config.json  the model shape (ModelConfig::to_json)
//   model.bin    float32 weights in tensor_layout order (llama2.c's order)
//   optim.bin    AdamW moments m then v (float32), absent in weight-only exports
//   state.json   written by the trainer: step, RNG seed, data position, config hash;
//                save_checkpoint adds "sha256": {"model.bin": hex, "optim.bin": hex},
//                checked whenever the checkpoint is loaded (a damaged file is refused)
//   tokenizer.model  the dataset's sentencepiece model, when it has one (for sampling
//                and exports)
//
// Binary files start with a 64-byte header: uint32 magic, uint32 version (1), uint64
// float count, zeros; the floats follow, little-endian. A checkpoint is written into
// "NAME.tmp-PID/" and renamed into place, so a crash never leaves a half checkpoint
// under its final name. A training directory keeps them as DIR/checkpoints/step-NNNNNNNN/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"

namespace primer::model {

inline constexpr uint32_t kWeightsMagic = 0x57495250;  // "PRIW"
inline constexpr uint32_t kOptimMagic = 0x4F495250;    // "PRIO"
inline constexpr uint32_t kFloatFileVersion = 1;

// Returns the sha256 (hex) of the file's bytes.
std::string write_float_file(const std::filesystem::path& path, uint32_t magic, std::span<const float> data);
// Throws ModelError naming the file when the magic, version or count is wrong, or when
// expected_sha256 is given and the file's sha256 differs.
std::vector<float> read_float_file(const std::filesystem::path& path, uint32_t magic, uint64_t expected_count,
                                   const std::string& expected_sha256 = "");
// The same checks over a file's bytes in memory; `path` names it in errors.
std::vector<float> parse_float_file(std::string_view bytes, const std::filesystem::path& path, uint32_t magic,
                                    uint64_t expected_count, const std::string& expected_sha256 = "");

struct Checkpoint {
  std::filesystem::path dir;
  ModelConfig config;
  std::vector<float> weights;
  std::vector<float> optim;  // empty when not loaded or absent
  std::string state_json;    // empty when absent
};

// Writes DIR atomically (temporary directory, then rename; removed on failure). optim may
// be empty; state_json (a JSON object) may be empty, else it is written with the files'
// checksums added. An existing DIR is replaced.
void save_checkpoint(const std::filesystem::path& dir, const ModelConfig& config, std::span<const float> weights,
                     std::span<const float> optim, const std::string& state_json,
                     const std::filesystem::path& tokenizer = {});

// The checkpoint a path names: a checkpoint directory (has config.json), or a training
// output directory (its newest complete checkpoints/step-*). Throws ModelError saying
// what was looked for.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& path);
// verify_checksums: model.bin (and optim.bin when loaded) must match the sha256 that
// state.json recorded, if it recorded one (ModelError otherwise).
Checkpoint load_checkpoint(const std::filesystem::path& path, bool with_optim, bool verify_checksums = true);
// The checksums state.json records: file name → sha256 hex (empty when none or unreadable).
std::map<std::string, std::string> recorded_checksums(const std::string& state_json);

// What the trainer's state.json says about where a run stands.
struct TrainState {
  int64_t step = 0;
  uint64_t tokens_seen = 0;
  std::string config_hash;
};
// Throws ModelError naming `origin` when the JSON is damaged.
TrainState parse_train_state(const std::string& json, const std::filesystem::path& origin);

// Checkpoint directories under DIR/checkpoints, oldest first.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& train_dir);
std::filesystem::path checkpoint_dir(const std::filesystem::path& train_dir, int64_t step);

}  // namespace primer::model
