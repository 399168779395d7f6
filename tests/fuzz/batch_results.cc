// An OpenAI Batch API result file (`primer batch import`): pipeline::read_batch_results,
// for a config whose prompts the seed corpus answers. A bad file may throw StorageError;
// a bad line is counted.
#include <sstream>

#include "pipeline/batch.h"
#include "storage/files.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const primer::pipeline::Config config = primer::pipeline::parse_config(
      "seed = 9\ncount = 3\n[teacher]\nkind = \"openai\"\nmodel = \"gpt-4o-mini\"\n"
      "base_url = \"http://127.0.0.1:9/v1\"\n",
      "fuzz/run.toml");
  std::istringstream in{std::string(primer::fuzz::as_text(data, size))};
  try {
    const auto r = primer::pipeline::read_batch_results(config, in, "batch-output.jsonl");
    primer::fuzz::require(r.replies.size() == r.ok + r.failed, "every reply is ok or failed");
    primer::fuzz::require(r.replies.size() <= config.count, "at most one reply per prompt");
  } catch (const primer::storage::StorageError&) {
  }
  return 0;
}
