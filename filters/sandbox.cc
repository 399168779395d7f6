#include "filters/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace primer::filters {
namespace {

// The harness: reads both files, installs the audit hook, runs them in one namespace and
// writes one verdict word to fd 3. A verdict from the hook ends the process at once
// (os._exit), so the code cannot catch it.
constexpr const char* kHarness = R"py(
import os, sys

def _primer_main():
    def verdict(word, code):
        try:
            os.write(3, word.encode())
        except OSError:
            pass
        os._exit(code)

    with open("solution.py", encoding="utf-8") as f:
        solution = f.read()
    with open("tests.py", encoding="utf-8") as f:
        tests = f.read()
    cwd = os.getcwd()
    root = cwd + os.sep
    realpath, join, fsdecode = os.path.realpath, os.path.join, os.fsdecode
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path):
        try:
            p = realpath(join(cwd, fsdecode(path)))
        except Exception:
            return False
        return p == cwd or p.startswith(root)

    spawn = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "pty.spawn", "os.kill", "os.killpg", "os.setsid", "os.startfile"}
    network = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
               "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
               "socket.sendmsg", "urllib.Request", "ftplib.connect", "http.client.connect", "smtplib.connect"}
    paths = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.truncate", "os.chmod", "os.chown", "os.link",
             "os.symlink", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.chdir"}
    forbidden = {"ctypes.dlopen", "ctypes.dlsym", "ctypes.addressof", "ctypes.cdata"}

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                      (isinstance(flags, int) and flags & write_flags)
            if writing and not inside(path):
                verdict("write_outside", 97)
        elif event in spawn:
            verdict("spawn_attempt", 97)
        elif event in network:
            verdict("network_attempt", 97)
        elif event in paths:
            for p in args[:2]:
                if isinstance(p, (str, bytes, os.PathLike)) and not inside(p):
                    verdict("write_outside", 97)
        elif event in forbidden:
            verdict("forbidden", 97)

    sys.addaudithook(hook)
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(solution, "solution.py", "exec"), scope)
        exec(compile(tests, "tests.py", "exec"), scope)
        sys.stdout.flush()
    except AssertionError:
        import traceback
        traceback.print_exc()
        verdict("test_failed", 1)
    except MemoryError:
        verdict("memory_limit", 1)
    except SyntaxError:
        verdict("syntax_error", 1)
    except SystemExit as e:
        if e.code not in (None, 0):
            verdict("error", 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        verdict("error", 1)
    verdict("passed", 0)

_primer_main()
)py";

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit r{soft, hard};
  ::setrlimit(resource, &r);  // async-signal-safe; a failure leaves the inherited limit
}

bool write_file(const std::filesystem::path& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ::close(fd) == 0;
}

SandboxOutcome outcome_of_word(std::string_view w) {
  for (int i = 0; i < kSandboxOutcomeCount; ++i)
    if (outcome_name(static_cast<SandboxOutcome>(i)) == w) return static_cast<SandboxOutcome>(i);
  return SandboxOutcome::kError;
}

// Closes every descriptor from `first` up, in a forked child (async-signal-safe).
void close_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, first, ~0u, 0) == 0) return;
#endif
  for (int fd = first; fd < 4096; ++fd) ::close(fd);
}

}  // namespace

std::string_view outcome_name(SandboxOutcome o) {
  switch (o) {
    case SandboxOutcome::kPassed: return "passed";
    case SandboxOutcome::kTestFailed: return "test_failed";
    case SandboxOutcome::kError: return "error";
    case SandboxOutcome::kSyntaxError: return "syntax_error";
    case SandboxOutcome::kTimeout: return "timeout";
    case SandboxOutcome::kMemoryLimit: return "memory_limit";
    case SandboxOutcome::kSpawnAttempt: return "spawn_attempt";
    case SandboxOutcome::kNetworkAttempt: return "network_attempt";
    case SandboxOutcome::kWriteOutside: return "write_outside";
    case SandboxOutcome::kForbidden: return "forbidden";
    case SandboxOutcome::kOutputLimit: return "output_limit";
    case SandboxOutcome::kCrashed: return "crashed";
    case SandboxOutcome::kSandboxError: return "sandbox_error";
  }
  return "error";
}

bool network_namespace_available() {
  static std::once_flag once;
  static bool available = false;
  std::call_once(once, [] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 || ::unshare(CLONE_NEWNET) == 0) ::_exit(0);
      ::_exit(1);
    }
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, 0) == pid) available = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  });
  return available;
}

SandboxResult run_python_sandboxed(const SandboxLimits& limits, std::string_view solution, std::string_view tests) {
  SandboxResult result;
  const auto t0 = std::chrono::steady_clock::now();
  std::filesystem::path root = limits.workdir_root;
  if (root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    root = tmp && *tmp ? tmp : "/tmp";
  }
  std::string dir_template = (root / "primer-exercise-XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) {
    result.output = "cannot create a directory under " + root.string() + ": " + std::strerror(errno);
    return result;
  }
  const std::filesystem::path dir = dir_template;
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  if (!write_file(dir / "solution.py", solution) || !write_file(dir / "tests.py", tests)) {
    result.output = "cannot write the exercise files into " + dir.string();
    return result;
  }

  // Everything the child needs is prepared before fork: after it, only system calls.
  const std::string python = limits.python.string();
  const std::string home = "HOME=" + dir.string(), tmpdir = "TMPDIR=" + dir.string();
  char* argv[] = {const_cast<char*>(python.c_str()), const_cast<char*>("-I"), const_cast<char*>("-S"),
                  const_cast<char*>("-B"), const_cast<char*>("-c"), const_cast<char*>(kHarness), nullptr};
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LANG=C.UTF-8"),
                  const_cast<char*>(home.c_str()), const_cast<char*>(tmpdir.c_str()),
                  const_cast<char*>("PYTHONHASHSEED=0"), nullptr};
  const rlim_t cpu = static_cast<rlim_t>(std::max(1.0, limits.cpu_seconds + 0.999));
  int out_pipe[2], status_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (limits.network_namespace && ::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) ::unshare(CLONE_NEWNET);
    set_limit(RLIMIT_CPU, cpu, cpu + 1);
    set_limit(RLIMIT_AS, limits.memory_bytes, limits.memory_bytes);
    set_limit(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_NOFILE, 64, 64);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::dup2(status_pipe[1], 3);
    close_from(4);
    ::execve(argv[0], argv, envp);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(status_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(status_pipe[0]);
    result.output = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  ::setpgid(pid, pid);  // also here, so that the group exists before any kill below

  std::string status;
  bool out_open = true, status_open = true, timed_out = false, over_output = false, exited = false;
  int wait_status = 0;
  const auto deadline = t0 + std::chrono::duration<double>(limits.wall_seconds);
  char buf[8192];
  while (out_open || status_open) {
    const bool exited_before_poll = exited;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {status_open ? status_pipe[0] : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 100)));
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      if (fds[0].revents) {
        const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
        if (n <= 0) out_open = false;
        else if (result.output.size() + static_cast<size_t>(n) > limits.output_bytes) {
          result.output.append(buf, limits.output_bytes - result.output.size());
          over_output = true;
          break;
        } else result.output.append(buf, static_cast<size_t>(n));
      }
      if (fds[1].revents) {
        const ssize_t n = ::read(status_pipe[0], buf, sizeof buf);
        if (n <= 0) status_open = false;
        else if (status.size() < 64) status.append(buf, static_cast<size_t>(n));
      }
    }
    // The child has gone but something it started may hold the pipes: stop reading once
    // a whole poll after its exit found nothing (what it wrote before exiting is read
    // first). WNOWAIT: it stays a zombie, so its pid, the group id, cannot be reused
    // before the kill below.
    if (exited_before_poll && ready == 0) break;
    siginfo_t info{};
    if (!exited && ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
      exited = true;
  }
  ::kill(-pid, SIGKILL);  // the whole group: stragglers, or everything on timeout / output cap
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  ::close(out_pipe[0]);
  ::close(status_pipe[0]);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (timed_out) result.outcome = SandboxOutcome::kTimeout;
  else if (over_output) result.outcome = SandboxOutcome::kOutputLimit;
  else if (!status.empty()) {
    result.outcome = outcome_of_word(status);
    if (result.outcome == SandboxOutcome::kPassed && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0))
      result.outcome = SandboxOutcome::kError;
  } else if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    result.outcome = sig == SIGXCPU || sig == SIGKILL ? SandboxOutcome::kTimeout
                     : sig == SIGXFSZ                 ? SandboxOutcome::kOutputLimit
                                                      : SandboxOutcome::kCrashed;
  } else if (WIFEXITED(wait_status) && (WEXITSTATUS(wait_status) == 127 || WEXITSTATUS(wait_status) == 126)) {
    result.outcome = SandboxOutcome::kSandboxError;
  } else {
    result.outcome = SandboxOutcome::kError;  // exited without a verdict (os._exit in the code)
  }
  return result;
}

}  // namespace primer::filters
