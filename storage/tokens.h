// Token shards: the training data format of llm.c (`tokens/{split}-NNNNN.bin`).
//
//   header  256 × int32, little-endian: [0] magic 20240520, [1] version 1,
//           [2] number of tokens, [3] 1 when [4..11] hold the sha256 (32 bytes, in
//           digest order) of the tokenizer.model that made the tokens, else 0; the rest 0
//   body    that many uint16 token ids
//
// llm.c's readers look at [0..2] only, so the tokenizer's hash costs them nothing; primer
// checks it (`train`, `inspect`) so that shards left over from an older tokenizer are
// never read with a new one.
//
// Every document starts with the tokenizer's BOS id, so a reader splits documents at
// BOS. The writer streams tokens to a temporary file (AtomicFile), writes the header
// when it knows the count, then fsyncs and renames. Readers check the magic, the
// version and that the file holds exactly `count` tokens, and say what to do otherwise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/files.h"

namespace primer::storage {

inline constexpr int32_t kTokenMagic = 20240520;
inline constexpr int32_t kTokenVersion = 1;
inline constexpr size_t kTokenHeaderInts = 256;
inline constexpr uint64_t kTokenHeaderBytes = kTokenHeaderInts * sizeof(int32_t);
// The header stores the count as int32.
inline constexpr uint64_t kMaxTokensPerShard = 0x7fffffffULL;

// What a finished token shard is (manifest.json "tokens.shards").
struct TokenShardInfo {
  std::string path;   // relative to the dataset directory: "tokens/train-00000.bin"
  std::string split;  // "train" | "validation"
  uint64_t documents = 0;
  uint64_t tokens = 0;  // BOS included
  uint64_t bytes = 0;   // file size
  std::string sha256;
};

// Not thread-safe.
class TokenShardWriter {
 public:
  // tokenizer_sha256: lower-case hex sha256 of the tokenizer.model file that encodes the
  // documents, recorded in the header ("" records none).
  explicit TokenShardWriter(std::filesystem::path path, const std::string& tokenizer_sha256 = "");
  ~TokenShardWriter();
  TokenShardWriter(const TokenShardWriter&) = delete;
  TokenShardWriter& operator=(const TokenShardWriter&) = delete;

  // One document's tokens, BOS first (the caller puts it there). Throws StorageError
  // past kMaxTokensPerShard tokens.
  void append_document(std::span<const uint16_t> tokens);
  uint64_t tokens() const { return tokens_; }
  uint64_t documents() const { return documents_; }
  // Writes the header, fsyncs, renames, then hashes the file. `path` of the result is
  // the file name; callers make it relative to their directory.
  TokenShardInfo finish();

 private:
  AtomicFile file_;
  std::string tokenizer_sha256_;
  std::string buffer_;
  uint64_t tokens_ = 0;
  uint64_t documents_ = 0;
};

struct TokenShardHeader {
  uint64_t tokens = 0;
  std::string tokenizer_sha256;  // lower-case hex; "" when the shard does not record it
};

// Reads and checks a token shard's header. Throws StorageError naming the file when the
// magic, version or size is wrong.
TokenShardHeader read_token_header(const std::filesystem::path& path);
// read_token_header(path).tokens
uint64_t read_token_count(const std::filesystem::path& path);
// Throws StorageError saying what to do when `header` records another tokenizer than
// `tokenizer_sha256` (the hex sha256 of DIR/tokenizer.model). Shards that record none
// (older primer, other tools) pass.
void check_token_tokenizer(const std::filesystem::path& path, const TokenShardHeader& header,
                           const std::string& tokenizer_sha256);
// Reads a whole token shard (header checked).
std::vector<uint16_t> read_token_shard(const std::filesystem::path& path);
// The same checks over a whole file's bytes in memory; `origin` names it in errors.
std::vector<uint16_t> parse_token_shard(std::string_view bytes, const std::filesystem::path& origin);

}  // namespace primer::storage
