// `primer inspect` and `primer inspect --verify`: what a dataset directory, a shard or a
// token shard holds, and whether it is intact.
//
// What is inspected, by path:
//   DIR with manifest.json   the manifest summary, every listed shard (size on disk),
//                            fields and samples from the first records of each split,
//                            tokenizer.model and tokens/*.bin when present
//   DIR without a manifest   every *.jsonl.zst / *.jsonl in DIR/data (or DIR), read whole
//   FILE.jsonl[.zst]         that file, read whole
//   FILE.bin / DIR/tokens    token shards: header checks and token counts
//
// verify = true additionally recomputes, for every shard and token shard the manifest
// lists, the sha256, size and record (token) count and compares them with the manifest;
// reads every record (a truncated or corrupt zstd stream and malformed lines are
// problems); and flags shard files in data/ that the manifest does not list (the Hub
// would load them). Each problem names its file. Without verify nothing is hashed and
// only the first `scan_records` records of each split are read.
//
// Thread-compatible: inspect() holds no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "storage/manifest.h"

namespace primer::storage {

struct InspectOptions {
  bool verify = false;
  size_t samples = 3;            // sample texts shown per split
  size_t sample_chars = 300;     // each cut to this many bytes (on a UTF-8 boundary)
  uint64_t scan_records = 1000;  // without verify: records read per split of a dataset
  // verify = true and false here: the listed shards' sha256 and records are left to the
  // caller, which reads them anyway (primer report) and checks them with check_shard();
  // everything else is verified.
  bool read_shards = true;
};

struct ShardReport {
  std::string path;   // relative to the dataset directory (or as given for a file)
  std::string split;  // "" when unknown (a loose file)
  bool exists = true;
  uint64_t bytes = 0;       // on disk
  uint64_t records = 0;     // counted when `complete`, else as the manifest says
  uint64_t malformed = 0;   // among the lines read
  uint64_t text_bytes = 0;  // of the records read
  bool complete = false;    // the whole file was read
};

struct TokenFileReport {
  std::string path;
  std::string split;
  uint64_t tokens = 0;  // from the header ("" problem) or the manifest
  uint64_t bytes = 0;
};

struct FieldReport {
  std::string name;
  std::string type;  // JSON type of its first occurrence: string, number, array, ...
  uint64_t count = 0;
};

struct InspectReport {
  std::string path;  // as given
  std::string kind;  // "dataset" | "shards" | "shard" | "tokens"
  std::optional<Manifest> manifest;
  std::vector<ShardReport> shards;
  uint64_t records_read = 0;                                 // records the field and sample figures are based on
  std::vector<FieldReport> fields;                           // in order of first appearance
  std::vector<std::pair<std::string, std::string>> samples;  // (split, text)
  bool has_tokenizer = false;                                // DIR/tokenizer.model exists
  uint64_t tokenizer_bytes = 0;
  uint32_t tokenizer_vocab = 0;  // filled in by callers that can load the model (0: not known)
  std::vector<TokenFileReport> token_files;
  bool verified = false;
  std::vector<std::string> problems;  // each "FILE: what is wrong"

  bool ok() const { return problems.empty(); }
  std::string to_text() const;
  std::string to_json() const;  // one JSON object
};

// What verify finds wrong with a listed shard it has read: the `sha256` of its bytes and
// its well-formed `records` (nullopt: not counted, the read failed or found malformed
// lines, reported apart) against the manifest's entry. Each text without the file name.
std::vector<std::string> check_shard(const ShardInfo& listed, const std::string& sha256,
                                     std::optional<uint64_t> records);

// Throws StorageError when `path` does not exist or is of no known kind.
InspectReport inspect(const std::filesystem::path& path, const InspectOptions& options);

}  // namespace primer::storage
