// Encoding a dataset into token shards for training (storage/tokens.h has the format):
// data/{split}-{i}-of-{n}.jsonl.zst → tokens/{split}-{i:05d}.bin, one token shard per
// record shard, every document as [BOS] + encode(text). Each token shard's header records
// the sha256 of the tokenizer's model file (Tokenizer::sha256()).
//
// Documents are read in order, encoded in parallel batches (oneTBB) and written in
// order, so the files are identical whatever the thread count. Memory is bounded by
// one batch of documents per shard being encoded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "model/tokenizer.h"
#include "storage/manifest.h"

namespace primer::model {

// Token shards hold uint16 ids: throws TokenizerError for vocab_size > 65,535, saying
// what to do.
void require_uint16_vocab(int vocab_size, const std::string& origin);

struct EncodeOptions {
  int threads = 0;               // 0: all cores
  size_t block_bytes = 2 << 20;  // bytes of lines read, then encoded, as one piece of work
};

struct EncodeReport {
  std::vector<storage::TokenShardInfo> shards;  // paths relative to the dataset directory
  uint64_t documents = 0;
  uint64_t tokens = 0;  // BOS included
  uint64_t text_bytes = 0;
  uint64_t malformed = 0;  // lines skipped (not JSON with a string "text")
  double seconds = 0;
};

// Encodes `shards` (paths relative to `dir`) into DIR/tokens/. Throws StorageError if a
// shard cannot be read (corrupt, truncated), TokenizerError for a tokenizer too large.
EncodeReport encode_dataset(const std::filesystem::path& dir, const std::vector<storage::ShardInfo>& shards,
                            const Tokenizer& tokenizer, const EncodeOptions& options);

// Changes manifest.json of `dir` (if there is one) with `change`, rewrites the tokens
// section of README.md to match, then writes manifest.json (last, atomically).
// Returns false when `dir` has no manifest.json.
bool update_manifest(const std::filesystem::path& dir, const std::function<void(storage::Manifest&)>& change);

}  // namespace primer::model
