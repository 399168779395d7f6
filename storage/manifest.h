// manifest.json: what a dataset directory holds and how it was made. Written last, so
// its presence means the dataset is complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/shard.h"
#include "storage/tokens.h"

namespace primer::storage {

inline constexpr int kManifestSchema = 1;

struct DropCount {
  std::string reason;
  uint64_t count = 0;
};

// One filter's counts: every document it saw was kept or dropped for one reason.
struct FilterReport {
  std::string name;
  uint64_t seen = 0;
  uint64_t kept = 0;
  std::vector<DropCount> dropped;
  uint64_t dropped_total() const;
};

// The sentencepiece model of a dataset (DIR/tokenizer.model).
struct TokenizerInfo {
  std::string path = "tokenizer.model";  // relative to the dataset directory
  std::string model_type;                // "bpe" | "unigram"
  uint32_t vocab_size = 0;               // pieces delivered
  uint64_t sentences = 0;                // training sentences sampled from the train split
  std::string sha256;                    // of the model file
  uint32_t requested_vocab_size = 0;     // pieces asked for (0: not known); sentencepiece
                                         // delivers fewer when the text has no more merges
};

// A file the run read besides its config (vocabulary list, prompt template, a filter's
// rules or evaluation sets), by content: a resumed run or a merge must read the same bytes.
struct InputFile {
  std::string key;     // the config key that names it ("vocab.list", "filters.rules", ...)
  std::string path;    // the file that was loaded (as resolved from the config)
  std::string sha256;  // of its bytes
};

// How the shards were compressed: zstd at `zstd_level`, single-threaded format when
// zstd_workers is 0, multi-threaded format (with that many workers) when > 0;
// `workers_auto`: the config left zstd_workers unset and primer chose.
struct CompressionInfo {
  int zstd_level = 3;
  int zstd_workers = 0;
  bool workers_auto = false;
};

struct Manifest {
  int schema = kManifestSchema;
  std::string primer_version;
  std::string config_hash;        // sha256 of the canonical config JSON
  std::string config_json;        // the config as a JSON object (verbatim)
  std::vector<InputFile> inputs;  // absent from the JSON of runs that recorded none
  std::string kind;               // prompt kind
  std::string teacher;
  // Counts per stage.
  uint64_t prompts = 0;                               // prompts sent
  uint64_t replies = 0;                               // replies received
  uint64_t teacher_failures = 0;                      // prompts without a usable reply
  uint64_t kept = 0;                                  // records in the shards
  uint64_t text_bytes = 0;                            // UTF-8 bytes of kept "text" fields
  uint64_t invalid_utf8 = 0;                          // invalid sequences replaced by U+FFFD
  uint64_t prompt_tokens = 0, completion_tokens = 0;  // as reported by the teacher
  double cost_usd = 0;
  std::vector<FilterReport> filters;
  // What a user must know about how the data was made (e.g. exercises run without
  // isolation); shown by the dataset card and the report. Absent from the JSON when empty.
  std::vector<std::string> caveats;
  std::vector<ShardInfo> shards;        // paths relative to the dataset directory
  std::string started_at, finished_at;  // UTC, ISO 8601
  double seconds = 0;                   // wall time of the run (all sessions)
  // Optional (absent from manifests without tokens; schema 1 either way).
  std::optional<TokenizerInfo> tokenizer;
  std::vector<TokenShardInfo> token_shards;  // tokens/{split}-NNNNN.bin
  // "compression": {"zstd_level", "zstd_workers", "zstd_workers_from": "config" | "auto"};
  // absent from manifests written before it was recorded.
  std::optional<CompressionInfo> compression;

  uint64_t split_records(std::string_view split) const;
  uint64_t split_tokens(std::string_view split) const;
  std::string to_json() const;
  // Throws StorageError naming `origin` if the JSON is malformed or of another schema.
  static Manifest parse(std::string_view json, std::string_view origin);
  static Manifest load(const std::filesystem::path& path);
};

// Current UTC time as "2026-11-29T08:41:27Z".
std::string utc_now();

}  // namespace primer::storage
