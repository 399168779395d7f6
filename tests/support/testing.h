// Shared helpers for the test suites (never linked into production code).
#pragma once

#include <filesystem>
#include <string>

#include "vocab/vocabulary.h"

namespace primer::testing {

// Path of a file in the source tree ("vocab/default.txt").
std::filesystem::path source_path(const std::string& relative);

// The bundled default vocabulary, loaded once per process.
const vocab::Vocabulary& default_vocabulary();

// A fresh, empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace primer::testing
