// Shards: zstd-compressed JSON Lines files, one record per line, as Hugging Face
// `datasets` loads them and `zstdcat | jq` reads them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
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

// How a shard is compressed.
//
//   zstd_level    3   1..19
//   zstd_workers  0   0: zstd's single-threaded format, compressed by the writer's own
//                     thread. N > 0: N zstd worker threads (ZSTD_c_nbWorkers) compress
//                     jobs of the shard side by side. (Run configs that leave it unset
//                     get auto_zstd_workers().)
//
// The bytes are a pure function of (lines, zstd_level, zstd_workers > 0): zstd's
// multi-threaded format cuts the input into jobs whose size depends on the level only,
// so every N > 0 gives the same file, but it differs from the single-threaded (N = 0)
// file. A run that must be byte-identical on any machine fixes "0" or "> 0" in its
// config, never the core count. (A shard of at most 512 KB is compressed single-threaded
// whatever the option: the writer hands zstd small inputs whole, and zstd then does.)
struct ShardOptions {
  int zstd_level = 3;
  int zstd_workers = 0;
};

// The zstd worker count for a config that does not set one: the machine's hardware
// threads, from 1 to 8. Always > 0, so the bytes are the same on every machine (zstd's
// multi-threaded format; see ShardOptions), and compression runs beside the caller.
int auto_zstd_workers();

// When a shard is full. A limit of 0 is no limit. `max_bytes` counts the uncompressed
// JSON Lines bytes (newlines included), not the compressed size: the compressed size
// known while writing depends on how far zstd's worker threads have got, so a limit on
// it would make shard boundaries depend on timing.
struct ShardLimits {
  uint64_t max_records = 0;
  uint64_t max_bytes = 0;  // e.g. shard_mb * 1'000'000
};

// Writes one .jsonl.zst shard atomically (AtomicFile), hashing the compressed bytes as
// they are written. The output is a pure function of the lines and the options (see
// ShardOptions), whatever the thread count.
//
// Compression, hashing and writing overlap with the caller: lines are gathered in 1 MB
// chunks, and each full chunk goes to the writer's own thread (at most 3 chunks queued,
// so memory stays flat; append() waits when the thread falls behind). That thread makes
// the same zstd calls on the same chunks as an inline writer would, so the bytes are the
// same. A failure there (full disk) is thrown by a later append() or by finish().
// A shard under 1 MB never starts the thread. Not thread-safe: one caller at a time.
class ShardWriter {
 public:
  ShardWriter(std::filesystem::path path, int zstd_level);
  ShardWriter(std::filesystem::path path, const ShardOptions& options);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Appends one line; `line` must not contain '\n' (the writer adds it).
  void append(std::string_view line);
  uint64_t records() const { return records_; }
  // Uncompressed bytes appended so far (lines plus their '\n').
  uint64_t uncompressed_bytes() const { return uncompressed_; }
  // True once either limit is reached: call after append() and rotate when it says so.
  // A shard always holds at least one record, however long.
  bool full(const ShardLimits& limits) const {
    return (limits.max_records > 0 && records_ >= limits.max_records) ||
           (limits.max_bytes > 0 && uncompressed_ >= limits.max_bytes);
  }
  // Ends the zstd frame, fsyncs and renames. Returns records, bytes and sha256 (path is
  // the final file name; callers set it relative to their directory).
  ShardInfo finish();

 private:
  void compress(std::string_view in, bool end);
  void submit(bool end);
  void compress_loop();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t records_ = 0;
  uint64_t uncompressed_ = 0;
};

// Reads a .jsonl.zst or .jsonl file line by line (streaming, constant memory). Calls
// fn(line) for each line without its '\n' (nor a '\r' before it; the first line without
// a UTF-8 byte order mark). The file's first bytes decide whether it is zstd, whatever
// its name. Throws StorageError on a corrupt or truncated zstd stream, a file in another
// compression (gzip, bzip2, xz, lz4), or a line longer than kMaxLineBytes (a file that is
// not JSON Lines, or a small zstd file that inflates to one endless line, would otherwise
// take all memory), naming the file; the lines before the damage have been delivered.
// `raw`, when given, sees the file's bytes as read (compressed), in order: a checksum taken
// in the same pass.
void read_lines(const std::filesystem::path& path, const std::function<void(std::string_view)>& fn,
                const std::function<void(std::string_view)>& raw = {});
inline constexpr size_t kMaxLineBytes = size_t{64} << 20;  // 4x a teacher's default max_reply_bytes
// The same over a stream already open (in-memory bytes for the fuzzer); `name` names it
// in errors.
void read_lines(std::istream& in, const std::string& name, const std::function<void(std::string_view)>& fn,
                const std::function<void(std::string_view)>& raw = {});

}  // namespace primer::storage
