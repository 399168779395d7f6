// Files read as blocks of whole lines on a thread of their own, so that zstd
// decompression and line splitting overlap with what a command does with the lines
// (`primer filter`, the report's scan). At most `queued` blocks are read ahead of the
// consumer: memory stays flat whatever the file size.
//
//   struct Block : storage::LineBlock { std::vector<int> verdicts; void clear() override {...} };
//   storage::LineBlockReader<Block> reader(files);
//   while (auto b = reader.next()) {             // in file and line order
//     for (size_t i = 0; i < b->size(); ++i) use(b->line(i));
//     if (b->error) std::rethrow_exception(b->error);  // the file broke after these lines
//     reader.recycle(std::move(b));              // optional: its buffers are reused
//   }
//
// A block holds about `block_bytes` of lines of one file (read_lines: without their
// newlines); a file's last block has `last` set (it may hold no line). Reading a file that
// fails (unreadable, a corrupt or truncated zstd stream) sets that block's `error` after
// the lines before the damage, and the reader goes on with the next file. Destroying the
// reader stops its thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/thread_name.h"
#include "storage/sha256.h"
#include "storage/shard.h"

namespace primer::storage {

// Bytes after a block's last line (spaces), so that a parser that reads past the end of
// its input (simdjson reads up to 64 bytes; it does not use them) can parse a line in
// place: every line is followed by the next lines or by these.
inline constexpr size_t kLinePadding = 64;

struct LineBlock {
  size_t file = 0;           // index into the reader's files
  uint64_t first_line = 0;   // lines of the file before this block
  std::string bytes;         // the lines, back to back, then kLinePadding spaces once read
  std::vector<size_t> ends;  // where each line ends in `bytes`
  bool last = false;         // the file's last block
  std::exception_ptr error;  // reading the file failed after these lines
  // The last block of a file read whole by a reader that hashes: the sha256 of the file's
  // bytes (as stored, compressed) and their number. Empty otherwise.
  std::string sha256;
  uint64_t file_bytes = 0;

  virtual ~LineBlock() = default;
  size_t size() const { return ends.size(); }
  std::string_view line(size_t i) const {
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(begin, ends[i] - begin);
  }
  // Empties the block for reuse, keeping its buffers' capacity. A derived block that adds
  // buffers clears them too, then calls this.
  virtual void clear() {
    bytes.clear();
    ends.clear();
    last = false;
    sha256.clear();
    file_bytes = 0;
    error = nullptr;
  }
};

template <class Block = LineBlock>
class LineBlockReader {
 public:
  // hash: each file's last block carries the file's sha256 (see LineBlock), taken as it is
  // read: a verification in the same pass.
  explicit LineBlockReader(std::vector<std::filesystem::path> files, size_t block_bytes = 2 << 20, size_t queued = 4,
                           bool hash = false)
      : files_(std::move(files)), block_bytes_(block_bytes), queued_(queued), hash_(hash) {
    thread_ = std::thread([this] {
      base::name_this_thread("primer-read");
      read_all();
    });
  }
  LineBlockReader(const LineBlockReader&) = delete;
  LineBlockReader& operator=(const LineBlockReader&) = delete;
  ~LineBlockReader() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // The next block, or nullptr after the last file's last block.
  std::unique_ptr<Block> next() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return nullptr;
    auto b = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return b;
  }
  // A block the consumer is done with: its buffers are reused (memory stays warm and flat
  // instead of being returned to the system and faulted in again).
  void recycle(std::unique_ptr<Block> b) {
    b->clear();
    std::lock_guard lock(mu_);
    if (spare_.size() < 2 * queued_) spare_.push_back(std::move(b));
  }

 private:
  struct Quit {};
  std::unique_ptr<Block> fresh(size_t file, uint64_t first_line) {
    std::unique_ptr<Block> b;
    {
      std::lock_guard lock(mu_);
      if (!spare_.empty()) {
        b = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (!b) {
      b = std::make_unique<Block>();
      b->bytes.reserve(block_bytes_ + (block_bytes_ >> 2) + kLinePadding);
    }
    b->file = file;
    b->first_line = first_line;
    return b;
  }
  void push(std::unique_ptr<Block>& b) {
    b->bytes.append(kLinePadding, ' ');
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queue_.size() < queued_ || quit_; });
    if (quit_) throw Quit{};
    queue_.push_back(std::move(b));
    lock.unlock();
    changed_.notify_all();
  }
  void read_all() {
    try {
      for (size_t f = 0; f < files_.size(); ++f) {
        auto b = fresh(f, 0);
        uint64_t lines = 0, file_bytes = 0;
        std::optional<Sha256> sha;
        if (hash_) sha.emplace();
        try {
          read_lines(
              files_[f],
              [&](std::string_view line) {
                b->bytes.append(line);
                b->ends.push_back(b->bytes.size());
                ++lines;
                if (b->bytes.size() >= block_bytes_) {
                  push(b);
                  b = fresh(f, lines);
                }
              },
              [&](std::string_view raw) {
                if (!sha) return;
                sha->update(raw);
                file_bytes += raw.size();
              });
          if (sha) {
            b->sha256 = sha->hex();
            b->file_bytes = file_bytes;
          }
        } catch (const Quit&) {
          throw;
        } catch (...) {
          b->error = std::current_exception();
        }
        b->last = true;
        push(b);
      }
    } catch (const Quit&) {
    }
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    changed_.notify_all();
  }

  const std::vector<std::filesystem::path> files_;
  const size_t block_bytes_, queued_;
  const bool hash_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Block>> queue_;
  std::vector<std::unique_ptr<Block>> spare_;
  bool quit_ = false, done_ = false;
  std::thread thread_;
};

}  // namespace primer::storage
