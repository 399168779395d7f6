// primer inspect DIR|FILE [--verify] [--json] [--samples N]
#include <cstdio>
#include <memory>

#include "model/tokenizer.h"
#include "pipeline/commands.h"
#include "storage/inspect.h"

namespace primer::cli {
namespace {

struct InspectArgs {
  std::string path;
  bool verify = false;
  bool json = false;
  size_t samples = 3;
};

int inspect_command(const InspectArgs& a) {
  if (!std::filesystem::exists(a.path)) throw UsageError(a.path + " does not exist");
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
      r.tokenizer_vocab = static_cast<uint32_t>(model::Tokenizer::load(std::filesystem::path(a.path) / "tokenizer.model").vocab_size());
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
  CLI::App* cmd = commands.add("inspect", "Summarise a dataset directory, a shard or token shards; --verify checks them.",
                               [args] { return inspect_command(*args); });
  cmd->footer(
      "DIR with manifest.json: the manifest summary (counts per stage and filter), shards with records and sizes, "
      "the fields and a few samples of each split (from its first 1,000 records), tokenizer.model and tokens/*.bin. "
      "A .jsonl[.zst] FILE or a DIR of shards without a manifest is read whole; a .bin FILE or tokens/ DIR shows "
      "token counts.\n--verify recomputes the sha256, size and record count of every shard and token shard and "
      "compares them with manifest.json, reads every record, and flags shards the manifest does not list. "
      "Exit code 0 when everything checks out; 1 with each problem named by file (a truncated, corrupted or "
      "missing shard); 2 when PATH does not exist.");
  cmd->add_option("path", args->path, "Dataset directory, .jsonl[.zst] shard, .bin token shard or tokens/ directory")
      ->required();
  cmd->add_flag("--verify", args->verify, "Recompute every sha256 and record count; exit 1 on any mismatch");
  cmd->add_flag("--json", args->json, "One JSON object on stdout instead of text");
  cmd->add_option("--samples", args->samples, "Sample texts shown per split (default 3)")->check(CLI::NonNegativeNumber);
}

}  // namespace primer::cli
