#include "filters/python_pool.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace primer::filters {
namespace {

// The worker loop. compile() after ast.parse also reports what the compiler rejects
// ('return' outside a function, a bad nonlocal), still without running anything.
constexpr const char* kWorkerScript = R"py(
import ast, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    header = inp.readline()
    if not header:
        break
    src = inp.read(int(header))
    try:
        compile(ast.parse(src, "<code>"), "<code>", "exec", dont_inherit=True)
        reply = "ok"
    except SyntaxError as e:
        reply = "syntax %d: %s" % (e.lineno or 0, e.msg)
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        reply = "syntax 0: %s" % type(e).__name__
    out.write(reply.replace("\n", " ").encode("utf-8", "replace") + b"\n")
    out.flush()
)py";

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

PythonSyntaxPool::PythonSyntaxPool(std::filesystem::path python, size_t workers, double timeout_s)
    : python_(std::move(python)), max_workers_(workers ? workers : 1), timeout_s_(timeout_s) {}

PythonSyntaxPool::~PythonSyntaxPool() {
  for (auto& w : idle_) stop(*w, false);
}

void PythonSyntaxPool::stop(Worker& w, bool kill_it) {
  if (w.fd >= 0) ::close(w.fd);  // EOF on its stdin: the loop ends
  w.fd = -1;
  if (w.pid > 0) {
    if (kill_it) ::kill(w.pid, SIGKILL);
    int status = 0;
    while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  w.pid = -1;
}

std::unique_ptr<PythonSyntaxPool::Worker> PythonSyntaxPool::spawn() const {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);  // dup2 clears close-on-exec
  posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
  const std::string py = python_.string();
  char* argv[] = {const_cast<char*>(py.c_str()),
                  const_cast<char*>("-I"),
                  const_cast<char*>("-S"),
                  const_cast<char*>("-B"),
                  const_cast<char*>("-c"),
                  const_cast<char*>(kWorkerScript),
                  nullptr};
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LANG=C.UTF-8"), nullptr};
  // A session of its own: a terminal's Ctrl-C (SIGINT to the foreground group) must not
  // kill a worker mid-check; primer decides when its workers stop.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, py.c_str(), &actions, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return nullptr;
  }
  ++started_;
  auto w = std::make_unique<Worker>();
  w->pid = pid;
  w->fd = sv[0];
  return w;
}

PythonSyntaxPool::Result PythonSyntaxPool::check(std::string_view source) const {
  std::unique_ptr<Worker> w;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || live_ < max_workers_; });
    if (!idle_.empty()) {
      w = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++live_;
    }
  }
  // Gives the worker back (or its slot, if it had to go).
  auto release = [&](bool keep) {
    std::lock_guard lock(mu_);
    if (keep && w) idle_.push_back(std::move(w));
    else --live_;
    cv_.notify_one();
  };
  if (!w) w = spawn();
  if (!w) {
    release(false);
    return {Result::kFailed, "cannot start " + python_.string()};
  }
  std::string request = std::to_string(source.size());
  request += '\n';
  request.append(source);
  if (!send_all(w->fd, request)) {
    stop(*w, true);
    release(false);
    return {Result::kFailed, "the syntax checker exited"};
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  char chunk[4096];
  size_t eol;
  while ((eol = w->buffer.find('\n')) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{w->fd, POLLIN, 0};
    const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count()) + 1) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      stop(*w, true);
      release(false);
      return {Result::kFailed, "the syntax check timed out"};
    }
    const ssize_t n = ::recv(w->fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      stop(*w, true);
      release(false);
      return {Result::kFailed, "the syntax checker exited"};
    }
    w->buffer.append(chunk, static_cast<size_t>(n));
  }
  std::string line = w->buffer.substr(0, eol);
  w->buffer.erase(0, eol + 1);
  release(true);
  if (line == "ok") return {};
  if (line.starts_with("syntax ")) return {Result::kSyntaxError, line.substr(7)};
  return {Result::kFailed, "unexpected reply from the syntax checker: " + line.substr(0, 80)};
}

}  // namespace primer::filters
