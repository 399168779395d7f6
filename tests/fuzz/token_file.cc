// A token shard (tokens/{split}-NNNNN.bin): storage::parse_token_shard, the checks
// read_token_header and read_token_shard make, over the file's bytes.
#include "storage/files.h"
#include "storage/tokens.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto tokens = primer::storage::parse_token_shard(primer::fuzz::as_text(data, size), "tokens/train-00000.bin");
    primer::fuzz::require(primer::storage::kTokenHeaderBytes + 2 * tokens.size() == size, "the header counts the body");
  } catch (const primer::storage::StorageError&) {
  }
  return 0;
}
