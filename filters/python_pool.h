// A persistent pool of Python processes that check source code with ast.parse and
// compile (no execution): the python_syntax filter's parser, so that a million documents
// cost a handful of interpreter start-ups, not a million.
//
// Workers start lazily (the first check), up to `workers` at once, each a
// `python -I -S -c <loop>` child talking over a socketpair: the request is
// "<bytes>\n<source>", the reply one line, "ok" or "syntax <line> <message>". A worker
// that dies or exceeds `timeout_s` on one source is killed and replaced, and that check
// reports kFailed. Destruction closes the sockets (the workers exit) and reaps them.
// Workers run in a session of their own, out of reach of a terminal's Ctrl-C.
//
// Thread-safe: check() may be called from any number of threads; each call borrows an
// idle worker (or waits for one).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace primer::filters {

class PythonSyntaxPool {
 public:
  PythonSyntaxPool(std::filesystem::path python, size_t workers, double timeout_s);
  ~PythonSyntaxPool();
  PythonSyntaxPool(const PythonSyntaxPool&) = delete;
  PythonSyntaxPool& operator=(const PythonSyntaxPool&) = delete;

  struct Result {
    enum Status { kOk, kSyntaxError, kFailed } status = kOk;
    std::string message;  // "3: expected ':'" for a syntax error; why, for kFailed
  };
  Result check(std::string_view source) const;

  uint64_t processes_started() const { return started_.load(); }

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::string buffer;  // bytes read past the last reply line
  };
  std::unique_ptr<Worker> spawn() const;
  static void stop(Worker& w, bool kill_it);

  std::filesystem::path python_;
  size_t max_workers_;
  double timeout_s_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<std::unique_ptr<Worker>> idle_;
  mutable size_t live_ = 0;  // workers idle or borrowed
  mutable std::atomic<uint64_t> started_{0};
};

}  // namespace primer::filters
