// primer inspect DIR|FILE [--verify] [--json] [--samples N]
#include <cstdio>
#include <memory>

#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/json.h"
#include "base/text.h"
#include "model/checkpoint.h"
#include "model/export.h"
#include "model/tokenizer.h"
#include "pipeline/commands.h"
#include "storage/files.h"
#include "storage/inspect.h"
#include "storage/layout.h"
#include "storage/manifest.h"
#include "storage/sha256.h"
#include "storage/tokens.h"

namespace primer::cli {
namespace {

struct InspectArgs {
  std::string path;
  bool verify = false;
  bool json = false;
  size_t samples = 3;
};

// What `primer inspect` reads, for the message about anything else.
constexpr const char* kAccepts =
    "inspect reads a dataset directory, a .jsonl or .jsonl.zst shard, a token shard (.bin with magic 20240520) or "
    "tokens/ directory, a checkpoint or training directory, a transformers export directory, a .gguf model, or a "
    "llama2.c .bin model";

// The seven int32 of a llama2.c header (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size (negative: a separate classifier), seq_len) within what any model has:
// random bytes named .bin are not taken for a model and then blamed on its shape.
bool plausible_llama2c_header(const char* head) {
  int32_t v[7];
  std::memcpy(v, head, sizeof v);
  auto in = [](int64_t x, int64_t lo, int64_t hi) { return x >= lo && x <= hi; };
  return in(v[0], 1, 1 << 16) && in(v[1], 1, 1 << 20) && in(v[2], 1, 1024) && in(v[3], 1, v[0]) && in(v[4], 1, v[3]) &&
         v[0] % v[3] == 0 && v[3] % v[4] == 0 && in(std::abs(int64_t{v[5]}), 1, 1 << 22) && in(v[6], 1, 1 << 20);
}

enum class PathKind { kModel, kData, kCheckpointFile, kUnknown };

// A checkpoint, a training directory or an exported model (.gguf, llama2.c .bin); data
// (a dataset or shard directory, a .jsonl[.zst] shard, a token shard); or neither.
PathKind path_kind(const std::filesystem::path& p) {
  namespace fs = std::filesystem;
  if (fs::is_directory(p))
    return (fs::exists(p / "config.json") && (fs::exists(p / "model.bin") || fs::exists(p / "model.safetensors"))) ||
                   !model::list_checkpoints(p).empty()
               ? PathKind::kModel
               : PathKind::kData;
  const std::string name = p.filename().string();
  if (storage::is_shard_file(p)) return PathKind::kData;
  char head[28] = {};
  std::ifstream in(p, std::ios::binary);
  in.read(head, sizeof head);
  const auto got = in.gcount();
  if (got >= 4 && std::memcmp(head, "GGUF", 4) == 0) return PathKind::kModel;
  if (p.extension() != ".bin") return PathKind::kUnknown;
  if (name == "model.bin" || name == "optim.bin") return PathKind::kCheckpointFile;
  int32_t magic = 0;
  std::memcpy(&magic, head, 4);
  if (got >= 4 && magic == storage::kTokenMagic) return PathKind::kData;
  if (got == sizeof head && plausible_llama2c_header(head)) return PathKind::kModel;
  return PathKind::kUnknown;
}

int inspect_model(const InspectArgs& a) {
  namespace fs = std::filesystem;
  // Loaded without the checksum check, so that every problem is reported below.
  const model::LoadedModel m = model::load_model(a.path, false);
  const model::ModelConfig& c = m.config;
  uint64_t nonfinite = 0;  // always counted: a diverged or damaged model is never "fine"
  for (float w : m.weights) nonfinite += !std::isfinite(w);
  int64_t step = -1;
  std::vector<std::string> problems;
  std::string checksums;  // verify: what the files' sha256 say against state.json's
  if (m.source == "checkpoint" && fs::exists(m.path / "state.json")) {
    const std::string state = storage::read_file(m.path / "state.json");
    step = model::parse_train_state(state, m.path / "state.json").step;
    if (a.verify) {
      const auto sums = model::recorded_checksums(state);
      if (sums.empty()) checksums = "none recorded (written by an older primer)";
      for (const auto& [name, sha] : sums) {
        if (!fs::exists(m.path / name)) problems.push_back(name + " is missing (state.json records its sha256)");
        else if (storage::sha256_file(m.path / name) != sha)
          problems.push_back(name + ": sha256 differs from state.json's: the file is damaged");
        else checksums += (checksums.empty() ? "" : ", ") + name;
      }
      if (!sums.empty() && problems.empty()) checksums += " match state.json";
    }
  }
  if (nonfinite) problems.push_back(fmt::format("{} weights are NaN or infinite", nonfinite));
  const auto checkpoints = fs::is_directory(a.path) ? model::list_checkpoints(a.path) : std::vector<fs::path>{};
  if (a.json) {
    base::JsonWriter w;
    w.begin_object().field("kind", "model").field("source", m.source).field("path", m.path.string());
    simdjson::dom::parser parser;
    const std::string config = simdjson::minify(parser.parse(c.to_json()).value());
    w.key("config").raw(config).field("parameters", c.parameter_count());
    w.field("tokenizer_vocab", m.tokenizer ? m.tokenizer->vocab_size() : 0);
    if (step >= 0) w.field("step", step);
    w.key("checkpoints").begin_array();
    for (const auto& ck : checkpoints) w.value(ck.filename().string());
    w.end_array();
    w.field("nonfinite_weights", nonfinite);
    w.key("problems").begin_array();
    for (const auto& p : problems) w.value(p);
    w.end_array();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("model %s (%s)\n", m.path.c_str(), m.source.c_str());
    std::printf("  llama: dim %d, %d layers, %d heads / %d KV heads, hidden %d, vocab %d, context %d\n", c.dim,
                c.n_layers, c.n_heads, c.n_kv_heads, c.hidden_dim, c.vocab_size, c.seq_len);
    std::printf("  parameters %s (%.2f MB as float32)\n", base::with_commas(c.parameter_count()).c_str(),
                static_cast<double>(c.parameter_count()) * 4 / 1e6);
    std::printf("  tokenizer  %s\n", m.tokenizer ? fmt::format("{} pieces", m.tokenizer->vocab_size()).c_str()
                                                 : "none (sample and serve need tokenizer.model)");
    if (step >= 0) std::printf("  step       %lld (state.json)\n", static_cast<long long>(step));
    if (!checkpoints.empty()) {
      std::string list;
      for (const auto& ck : checkpoints) list += (list.empty() ? "" : ", ") + ck.filename().string();
      std::printf("  checkpoints %zu: %s\n", checkpoints.size(), list.c_str());
    }
    std::printf("  weights    %s\n",
                nonfinite ? fmt::format("{} are NaN or infinite", nonfinite).c_str() : "every weight is finite");
    if (!checksums.empty()) std::printf("  checksums  %s\n", checksums.c_str());
    for (const auto& p : problems) std::printf("  problem    %s\n", p.c_str());
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "primer: error: %s: %zu problem%s, the first: %s\n", m.path.c_str(), problems.size(),
                 problems.size() == 1 ? "" : "s", problems.front().c_str());
    return 1;
  }
  return 0;
}

int inspect_command(const InspectArgs& a) {
  if (!std::filesystem::exists(a.path)) throw UsageError(a.path + " does not exist");
  switch (path_kind(a.path)) {
    case PathKind::kModel: return inspect_model(a);
    case PathKind::kUnknown: throw UsageError(a.path + " is not a file primer recognises; " + kAccepts);
    case PathKind::kCheckpointFile: {
      const auto dir = std::filesystem::path(a.path).parent_path();
      throw UsageError(a.path + " is one file of a checkpoint; inspect the checkpoint: primer inspect " +
                       (dir.empty() ? std::string(".") : dir.string()));
    }
    case PathKind::kData: break;
  }
  storage::InspectOptions o;
  o.verify = a.verify;
  o.samples = a.samples;
  storage::InspectReport r;
  try {
    r = storage::inspect(a.path, o);
  } catch (const storage::StorageError& e) {
    throw UsageError(e.what());
  }
  // The tokenizer's size, when the manifest does not say it.
  if (r.has_tokenizer && r.tokenizer_vocab == 0 && std::filesystem::is_directory(a.path)) {
    try {
      r.tokenizer_vocab =
          static_cast<uint32_t>(model::Tokenizer::load(std::filesystem::path(a.path) / "tokenizer.model").vocab_size());
    } catch (const model::TokenizerError& e) {
      r.problems.push_back(std::string("tokenizer.model: ") + e.what());
    }
  }
  const std::string out = a.json ? r.to_json() : r.to_text();
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!r.ok()) {
    std::fprintf(stderr, "primer: error: %s: %zu problem%s, the first: %s\n", a.path.c_str(), r.problems.size(),
                 r.problems.size() == 1 ? "" : "s", r.problems.front().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void add_inspect_command(Commands& commands) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd =
      commands.add("inspect", "Summarise a dataset directory, a shard or token shards; --verify checks them.",
                   [args] { return inspect_command(*args); });
  cmd->footer(
      "DIR with manifest.json: the manifest summary (counts per stage and filter), shards with records and sizes, "
      "the fields and a few samples of each split (from its first 1,000 records), tokenizer.model and tokens/*.bin. "
      "A .jsonl[.zst] FILE or a DIR of shards without a manifest is read whole; a .bin FILE or tokens/ DIR shows "
      "token counts.\n--verify recomputes the sha256, size and record count of every shard and token shard and "
      "compares them with manifest.json, reads every record, and flags shards the manifest does not list. "
      "Exit code 0 when everything checks out; 1 with each problem named by file (a truncated, corrupted or "
      "missing shard); 2 when PATH does not exist.");
  cmd->add_option("path", args->path,
                  "Dataset directory, .jsonl[.zst] shard, .bin token shard, tokens/ directory, or a checkpoint, "
                  "training directory, .gguf or llama2.c .bin (model summary; fails on NaN or infinite weights; "
                  "--verify also checks model.bin and optim.bin against the sha256 in state.json)")
      ->required();
  cmd->add_flag("--verify", args->verify, "Recompute every sha256 and record count; exit 1 on any mismatch");
  cmd->add_flag("--json", args->json, "One JSON object on stdout instead of text");
  cmd->add_option("--samples", args->samples, "Sample texts shown per split (default 3)")->check(at_least(0));
}

}  // namespace primer::cli
