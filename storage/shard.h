// Shards: zstd-compressed JSON Lines files, one record per line, as Hugging Face
// `datasets` loads them and `zstdcat | jq` reads them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "storage/files.h"

namespace primer::storage {

// What a finished shard is: its path relative to the dataset directory, its record
// count, size on disk and the sha256 of its bytes.
struct ShardInfo {
  std::string path;
  std::string split;  // "train" | "validation"
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

// Writes one .jsonl.zst shard atomically (AtomicFile), hashing the compressed bytes as
// they are written. The output is a pure function of the lines and the level. Not
// thread-safe.
class ShardWriter {
 public:
  ShardWriter(std::filesystem::path path, int zstd_level);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Appends one line; `line` must not contain '\n' (the writer adds it).
  void append(std::string_view line);
  uint64_t records() const { return records_; }
  // Ends the zstd frame, fsyncs and renames. Returns records, bytes and sha256 (path is
  // the final file name; callers set it relative to their directory).
  ShardInfo finish();

 private:
  void compress(std::string_view in, bool end);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t records_ = 0;
};

// Reads a .jsonl.zst or .jsonl file line by line (streaming, constant memory). Calls
// fn(line) for each line without its '\n'. Throws StorageError on a corrupt or
// truncated zstd stream, naming the file.
void read_lines(const std::filesystem::path& path, const std::function<void(std::string_view)>& fn);

}  // namespace primer::storage
