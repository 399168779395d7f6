#include "model/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "storage/files.h"
#include "storage/sha256.h"

namespace primer::model {

namespace fs = std::filesystem;

namespace {
constexpr size_t kHeaderBytes = 64;

struct Header {
  uint32_t magic;
  uint32_t version;
  uint64_t count;
};
}  // namespace

std::string write_float_file(const fs::path& path, uint32_t magic, std::span<const float> data) {
  char header[kHeaderBytes] = {};
  const Header h{magic, kFloatFileVersion, data.size()};
  std::memcpy(header, &h, sizeof h);
  const std::string_view head(header, kHeaderBytes);
  const std::string_view body(reinterpret_cast<const char*>(data.data()), data.size_bytes());
  storage::Sha256 sha;
  sha.update(head);
  sha.update(body);
  storage::AtomicFile file(path);
  file.write(head);
  file.write(body);
  file.commit();
  return sha.hex();
}

std::vector<float> read_float_file(const fs::path& path, uint32_t magic, uint64_t expected_count,
                                   const std::string& expected_sha256) {
  std::string bytes;
  try {
    bytes = storage::read_file(path);
  } catch (const storage::StorageError& e) {
    throw ModelError(e.what());
  }
  return parse_float_file(bytes, path, magic, expected_count, expected_sha256);
}

std::vector<float> parse_float_file(std::string_view bytes, const fs::path& path, uint32_t magic,
                                    uint64_t expected_count, const std::string& expected_sha256) {
  Header h{};
  if (bytes.size() >= kHeaderBytes) std::memcpy(&h, bytes.data(), sizeof h);
  if (bytes.size() < kHeaderBytes || h.magic != magic)
    throw ModelError(path.string() + ": not a primer " + (magic == kWeightsMagic ? "weights" : "optimiser") +
                     " file (bad magic); point at a checkpoint written by `primer train`");
  if (h.version != kFloatFileVersion)
    throw ModelError(fmt::format("{}: version {} is not supported (this primer reads version {})", path.string(),
                                 h.version, kFloatFileVersion));
  if (h.count != expected_count)
    throw ModelError(fmt::format("{}: holds {} floats but config.json's model needs {}; the checkpoint is mixed up",
                                 path.string(), h.count, expected_count));
  if (bytes.size() != kHeaderBytes + h.count * sizeof(float))
    throw ModelError(fmt::format("{}: {} bytes where {} were expected; the file is truncated or damaged", path.string(),
                                 bytes.size(), kHeaderBytes + h.count * sizeof(float)));
  if (!expected_sha256.empty() && storage::sha256_hex(bytes) != expected_sha256)
    throw ModelError(path.string() +
                     ": sha256 differs from the one state.json recorded when it was written: the "
                     "file is damaged; use an older checkpoint or train again");
  std::vector<float> data(h.count);
  if (h.count) std::memcpy(data.data(), bytes.data() + kHeaderBytes, h.count * sizeof(float));
  return data;
}

namespace {

// state.json with "sha256": {"model.bin": ..., "optim.bin": ...} added as its last field.
std::string with_checksums(const std::string& state_json, const std::string& model_sha, const std::string& optim_sha) {
  const size_t close = state_json.find_last_of('}');
  if (close == std::string::npos) throw ModelError("internal error: state.json is not a JSON object");
  size_t end = close;  // the last field's end: before the whitespace ahead of '}'
  while (end > 0 && std::isspace(static_cast<unsigned char>(state_json[end - 1]))) --end;
  const bool empty = end > 0 && state_json[end - 1] == '{';
  std::string fields = fmt::format("\"sha256\": {{\"model.bin\": \"{}\"", model_sha);
  if (!optim_sha.empty()) fields += fmt::format(", \"optim.bin\": \"{}\"", optim_sha);
  fields += "}";
  return state_json.substr(0, end) + (empty ? "\n  " : ",\n  ") + fields + "\n" + state_json.substr(close);
}

}  // namespace

std::map<std::string, std::string> recorded_checksums(const std::string& state_json) {
  std::map<std::string, std::string> out;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(state_json);
  simdjson::dom::element root;
  simdjson::dom::object sums;
  if (parser.parse(padded).get(root) || root["sha256"].get_object().get(sums)) return out;
  for (auto [name, value] : sums) {
    std::string_view hex;
    if (!value.get_string().get(hex)) out[std::string(name)] = std::string(hex);
  }
  return out;
}

void save_checkpoint(const fs::path& dir, const ModelConfig& config, std::span<const float> weights,
                     std::span<const float> optim, const std::string& state_json, const fs::path& tokenizer) {
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(getpid());
  fs::remove_all(tmp);
  try {
    fs::create_directories(tmp);
    storage::write_file_atomic(tmp / "config.json", config.to_json());
    const std::string model_sha = write_float_file(tmp / "model.bin", kWeightsMagic, weights);
    const std::string optim_sha = optim.empty() ? "" : write_float_file(tmp / "optim.bin", kOptimMagic, optim);
    if (!state_json.empty())
      storage::write_file_atomic(tmp / "state.json", with_checksums(state_json, model_sha, optim_sha));
    if (!tokenizer.empty()) storage::write_file_atomic(tmp / "tokenizer.model", storage::read_file(tokenizer));
    if (fs::exists(dir)) fs::remove_all(dir);
    storage::rename_durable(tmp, dir);
  } catch (...) {  // a full disk: no model-sized half checkpoint left behind
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

TrainState parse_train_state(const std::string& json, const fs::path& origin) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  int64_t step;
  uint64_t tokens;
  std::string_view hash;
  if (parser.parse(padded).get(root) || root["step"].get_int64().get(step) ||
      root["tokens_seen"].get_uint64().get(tokens) || root["config_hash"].get_string().get(hash))
    throw ModelError(origin.string() + ": state.json is damaged; resume from an older checkpoint or start over");
  return {step, tokens, std::string(hash)};
}

fs::path checkpoint_dir(const fs::path& train_dir, int64_t step) {
  return train_dir / "checkpoints" / fmt::format("step-{:08d}", step);
}

std::vector<fs::path> list_checkpoints(const fs::path& train_dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(train_dir / "checkpoints", ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.starts_with("step-") && name.find(".tmp-") == std::string::npos &&
        fs::exists(e.path() / "model.bin"))
      found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

fs::path resolve_checkpoint(const fs::path& path) {
  if (fs::exists(path / "config.json") && fs::exists(path / "model.bin")) return path;
  const auto all = list_checkpoints(path);
  if (!all.empty()) return all.back();
  if (!fs::exists(path)) throw ModelError(path.string() + ": no such checkpoint or training directory");
  throw ModelError(path.string() +
                   ": neither a checkpoint (config.json + model.bin) nor a training directory with checkpoints/step-*");
}

Checkpoint load_checkpoint(const fs::path& path, bool with_optim, bool verify_checksums) {
  Checkpoint c;
  c.dir = resolve_checkpoint(path);
  std::string json;
  try {
    json = storage::read_file(c.dir / "config.json");
  } catch (const storage::StorageError& e) {
    throw ModelError(e.what());
  }
  c.config = ModelConfig::from_json(json, (c.dir / "config.json").string());
  if (fs::exists(c.dir / "state.json")) c.state_json = storage::read_file(c.dir / "state.json");
  std::map<std::string, std::string> sums;
  if (verify_checksums) sums = recorded_checksums(c.state_json);
  const auto n = static_cast<uint64_t>(c.config.parameter_count());
  c.weights = read_float_file(c.dir / "model.bin", kWeightsMagic, n, sums["model.bin"]);
  if (with_optim && fs::exists(c.dir / "optim.bin"))
    c.optim = read_float_file(c.dir / "optim.bin", kOptimMagic, 2 * n, sums["optim.bin"]);
  return c;
}

}  // namespace primer::model
