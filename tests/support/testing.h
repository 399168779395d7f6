// Shared helpers for the test suites (never linked into production code).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

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

// Runs a program to completion; stdout and stderr are captured.
struct CommandResult {
  int exit_code = -1;  // 128 + signal if it was killed
  std::string out, err;
};
CommandResult run_command(const std::vector<std::string>& argv);

// Starts a program in the background (stdout/stderr to /dev/null); returns its pid.
int spawn(const std::vector<std::string>& argv);
// Waits for a spawned program; returns its exit code or 128 + signal.
int wait_for(int pid);
// Returns true (and the code) if a spawned program has ended, without waiting.
bool has_exited(int pid, int& code);

// Path of the built primer executable.
std::string primer_binary();
// Runs the built primer with these arguments (run_command with primer_binary() first).
CommandResult run_primer(const std::vector<std::string>& args);
void write_file(const std::filesystem::path& path, const std::string& content);
// A TCP connection to 127.0.0.1:port (blocking); -1 if it cannot be made.
int connect_loopback(int port);

}  // namespace primer::testing
