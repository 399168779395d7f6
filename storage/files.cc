#include "storage/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace primer::storage {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  std::string hint;
  if (err == ENOSPC) hint = " (the disk is full: free space and rerun to resume)";
  if (err == EACCES || err == EPERM) hint = " (check the permissions of the output directory)";
  throw StorageError("cannot " + what + " " + path.string() + ": " + std::strerror(err) + hint);
}

void fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open directory", dir, errno);
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path final_path) : final_(std::move(final_path)) {
  temp_ = final_;
  temp_ += ".tmp-" + std::to_string(::getpid());
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("create", temp_, errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void AtomicFile::write(std::string_view bytes) {
  write_all(fd_, bytes, temp_);
  written_ += bytes.size();
}

void AtomicFile::write_at(uint64_t offset, std::string_view bytes) {
  if (offset + bytes.size() > written_)
    throw StorageError("internal error: write_at past the end of " + temp_.string());
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", temp_, errno);
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("fsync", temp_, errno);  // the destructor removes the temporary
  const int closed = ::close(fd_), close_errno = errno;
  fd_ = -1;
  // From here the destructor no longer owns the temporary: a failure removes it, so a
  // failed write never leaves a file as large as what was written (a model export) behind.
  if (closed != 0) {
    ::unlink(temp_.c_str());
    fail("close", temp_, close_errno);
  }
  if (::rename(temp_.c_str(), final_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    fail("rename to", final_, err);
  }
  fsync_dir(final_.parent_path());
}

void rename_durable(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) fail("rename to", to, errno);
  fsync_dir(to.parent_path());
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StorageError("cannot read " + path.string() + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_inner_path(std::string_view rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string_view::npos) return false;
  for (size_t begin = 0; begin <= rel.size();) {
    const size_t end = std::min(rel.find('/', begin), rel.size());
    if (rel.substr(begin, end - begin) == "..") return false;
    begin = end + 1;
  }
  return true;
}

void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) std::filesystem::remove(e.path(), ec);
}

}  // namespace primer::storage
