// Crash-safe files. Every file primer writes goes to a temporary name in the same
// directory, is fsynced, then renamed over the final name, and the directory is fsynced:
// after a crash a final name holds either the old complete file or the new complete one,
// never a truncated mix.
//
// Errors (full disk, permissions) throw StorageError naming the path and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace primer::storage {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file being written under a temporary name ("NAME.tmp-PID"); commit() makes it
// appear under its final name. Destroying an uncommitted file removes the temporary.
// Not thread-safe.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  // Overwrites bytes already written (a header whose values are known only at the end).
  // The range must lie within what write() has written.
  void write_at(uint64_t offset, std::string_view bytes);
  // fsync, rename to the final name, fsync the directory. On failure (a final name that is
  // a directory, a full disk) the temporary is removed and StorageError thrown.
  void commit();
  uint64_t bytes_written() const { return written_; }
  const std::filesystem::path& path() const { return final_; }

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  int fd_ = -1;
  uint64_t written_ = 0;
};

// Writes all of `bytes` to `fd` (retrying short writes and EINTR); throws StorageError
// naming `path`, with a hint when the disk is full.
void write_all(int fd, std::string_view bytes, const std::filesystem::path& path);
// Writes a whole file atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);
// Renames and fsyncs the destination directory.
void rename_durable(const std::filesystem::path& from, const std::filesystem::path& to);
// Reads a whole file; throws StorageError.
std::string read_file(const std::filesystem::path& path);
// Removes leftover temporaries ("*.tmp-*") of crashed writers in `dir` (not recursive).
void remove_stale_temporaries(const std::filesystem::path& dir);
// Whether `rel`, read from a manifest or a run's state, names a file inside the directory
// it is relative to: not empty, not absolute, no ".." component, no NUL byte.
bool is_inner_path(std::string_view rel);

}  // namespace primer::storage
