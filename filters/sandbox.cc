#include "filters/sandbox.h"
#include "filters/seccomp_policy.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace primer::filters {
namespace {

// filters/sandbox_harness.py, embedded at build time (filters/CMakeLists.txt).
constexpr const char* kHarness =
#include "sandbox_harness.inc"
    ;

constexpr uid_t kNobody = 65534;
constexpr const char* kWorkdir = "/exercise";  // inside the sandbox

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit r{soft, hard};
  ::setrlimit(resource, &r);  // async-signal-safe; a failure leaves the inherited limit
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool write_file(const std::filesystem::path& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = write_all(fd, data);
  return ::close(fd) == 0 && ok;
}

// An anonymous in-memory file holding `data`, positioned at its start (bwrap --file and
// --seccomp read their descriptor to the end). -1 on failure.
int memory_file(const char* name, std::string_view data) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (!write_all(fd, data) || ::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Closes every descriptor from `first` up, in a forked child (async-signal-safe).
void close_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, first, ~0u, 0) == 0) return;
#endif
  for (int fd = first; fd < 4096; ++fd) ::close(fd);
}

// The harness, compiled once per interpreter: a sealed in-memory file of the marshalled
// code object, which every exercise's interpreter loads from descriptor kHarnessFd instead
// of compiling ~300 lines of source at each start (a quarter of a bare start). -1 when the
// interpreter could not compile it; the caller then passes the source.
constexpr int kHarnessFd = 8;
constexpr const char* kHarnessCompiler =
    "import marshal, sys\n"
    "sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.buffer.read(), '<primer harness>', 'exec')))\n";

int compile_harness(const std::string& python) {
  const int source = memory_file("primer-harness-source", kHarness);
  const int code = ::memfd_create("primer-harness", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  bool ok = source >= 0 && code >= 0;
  if (ok) {
    posix_spawn_file_actions_t io;
    posix_spawn_file_actions_init(&io);
    posix_spawn_file_actions_adddup2(&io, source, 0);
    posix_spawn_file_actions_adddup2(&io, code, 1);
    char* argv[] = {const_cast<char*>(python.c_str()),
                    const_cast<char*>("-I"),
                    const_cast<char*>("-S"),
                    const_cast<char*>("-B"),
                    const_cast<char*>("-c"),
                    const_cast<char*>(kHarnessCompiler),
                    nullptr};
    char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LANG=C.UTF-8"), nullptr};
    pid_t pid = -1;
    int status = 0;
    ok = ::posix_spawn(&pid, argv[0], &io, nullptr, argv, envp) == 0;
    posix_spawn_file_actions_destroy(&io);
    while (ok && ::waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) ok = false;
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 && ::lseek(code, 0, SEEK_END) > 0;
  }
  // Sealed: no process that inherits the descriptor can change what later ones load.
  ok = ok && ::fcntl(code, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
  if (source >= 0) ::close(source);
  // Above the numbers a child dup2()s onto (0-8), like every descriptor it passes on.
  const int high = ok ? ::fcntl(code, F_DUPFD_CLOEXEC, 16) : -1;
  if (code >= 0) ::close(code);
  return high;
}

// The compiled harness for `python` (kept open for the life of the process), or -1.
int harness_code(const std::string& python) {
  static std::mutex mutex;
  static std::map<std::string, int> compiled;
  const std::lock_guard lock(mutex);
  const auto [it, fresh] = compiled.try_emplace(python, -1);
  if (fresh) it->second = compile_harness(python);
  return it->second;
}

std::filesystem::path find_bwrap(const std::filesystem::path& configured) {
  if (!configured.empty()) return configured;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / "bwrap";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "/usr/bin/bwrap";
}

// Whether a forked child may unshare(flags) here.
bool child_can_unshare(int flags) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(::unshare(flags) == 0 ? 0 : 1);
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Whether the child `pid` has exited (WNOWAIT: it stays reapable, so its pid, also its
// group id, cannot be reused meanwhile).
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// As root: one empty network namespace for every exercise of this process, made once
// (its loopback down, no other interface) and entered with setns() by each child before it
// drops to nobody. Making and tearing down a namespace per exercise costs more than a
// millisecond of CPU each, part of it in the kernel's cleanup worker. Exercises cannot
// reach each other through it: seccomp refuses socket() for every family (only unnamed
// socketpairs remain), so no socket has an address to find. -1 where root may not make one
// (a container without CAP_SYS_ADMIN): bwrap then makes one per exercise (loopback up).
int shared_network_namespace() {
  static const int fd = [] {
    if (::geteuid() != 0) return -1;
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      const char ok = ::unshare(CLONE_NEWNET) == 0 ? 1 : 0;
      (void)!::write(ready[1], &ok, 1);
      ::pause();  // killed below once the parent holds the namespace
      ::_exit(0);
    }
    ::close(ready[1]);
    char ok = 0;
    int ns = -1;
    if (pid > 0 && ::read(ready[0], &ok, 1) == 1 && ok == 1) {
      const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
      ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    ::close(ready[0]);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (ns < 0) return -1;
    const int high = ::fcntl(ns, F_DUPFD_CLOEXEC, 16);  // above what a child dup2()s onto
    ::close(ns);
    return high;
  }();
  return fd;
}

// The bwrap command line (outer part; the interpreter's follows).
std::vector<std::string> bwrap_arguments(const SandboxLimits& limits, const std::filesystem::path& bwrap,
                                         bool netns_made) {
  const std::string size = std::to_string(limits.file_bytes + (1 << 20));
  std::vector<std::string> a = {bwrap.string(),  "--unshare-user", "--unshare-ipc",
                                "--unshare-pid", "--unshare-uts",  "--unshare-cgroup-try"};
  if (!netns_made) a.push_back("--unshare-net");
  // clang-format off
  for (const char* s : {"--disable-userns", "--die-with-parent", "--new-session", "--uid", "65534", "--gid", "65534",
                        "--hostname", "sandbox", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG",
                        "C.UTF-8", "--setenv", "HOME", kWorkdir, "--setenv", "TMPDIR", kWorkdir, "--setenv",
                        "PYTHONHASHSEED", "0", "--ro-bind", "/usr", "/usr"})
    a.emplace_back(s);
  // clang-format on
  // /bin, /lib, ... as the host has them: links into /usr (merged /usr) or directories.
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(top, ec);
    if (ec) continue;
    if (std::filesystem::is_symlink(status)) {
      const auto target = std::filesystem::read_symlink(top, ec);
      if (!ec) a.insert(a.end(), {"--symlink", target.string(), top});
    } else if (std::filesystem::is_directory(status)) {
      a.insert(a.end(), {"--ro-bind", top, top});
    }
  }
  // An interpreter outside /usr (a pyenv build, a venv): its prefix, read-only.
  std::error_code ec;
  const auto real = std::filesystem::weakly_canonical(limits.python, ec);
  if (!ec && real.string().rfind("/usr/", 0) != 0) {
    const auto prefix = real.parent_path().parent_path();
    if (!prefix.empty() && prefix != "/") a.insert(a.end(), {"--ro-bind", prefix.string(), prefix.string()});
  }
  // A /dev of the five data devices and the descriptor links: no terminal, no pts, no
  // ptmx (bwrap's --dev adds those, and a devpts mount costs a millisecond per exercise).
  a.insert(a.end(), {"--proc", "/proc"});
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"})
    a.insert(a.end(), {"--dev-bind", dev, dev});
  a.insert(a.end(), {"--symlink", "/proc/self/fd", "/dev/fd", "--symlink", "/proc/self/fd/0", "/dev/stdin", "--symlink",
                     "/proc/self/fd/1", "/dev/stdout", "--symlink", "/proc/self/fd/2", "/dev/stderr"});
  for (const char* dir : {"/tmp", "/dev/shm", kWorkdir}) a.insert(a.end(), {"--size", size, "--tmpfs", dir});
  a.insert(a.end(), {"--perms", "0444", "--file", "5", std::string(kWorkdir) + "/solution.py", "--perms", "0444",
                     "--file", "6", std::string(kWorkdir) + "/tests.py", "--chdir", kWorkdir, "--remount-ro", "/",
                     "--seccomp", "4", "--info-fd", "7"});
  return a;
}

// The host pid of the sandbox's PID 1, from bwrap's --info-fd JSON, or 0 when bwrap has
// not written it (yet).
pid_t namespace_init(int info_fd) {
  if (info_fd < 0) return 0;
  char buf[512];
  std::string info;
  pollfd p{info_fd, POLLIN, 0};
  while (info.size() < 4096 && ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
    const ssize_t n = ::read(info_fd, buf, sizeof buf);
    if (n <= 0) break;
    info.append(buf, static_cast<size_t>(n));
  }
  return parse_bwrap_child_pid(info);
}

// Waits (WNOWAIT: the child stays reapable) until `pid` has exited or `ms` have passed.
void wait_until_exit(pid_t pid, int ms) {
  for (int waited = 0; waited < ms && !has_exited(pid); waited += 5) ::usleep(5000);
}

SandboxOutcome outcome_of_word(std::string_view w) {
  for (int i = 0; i < kSandboxOutcomeCount; ++i)
    if (outcome_name(static_cast<SandboxOutcome>(i)) == w) return static_cast<SandboxOutcome>(i);
  return SandboxOutcome::kError;
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
    case SandboxOutcome::kSignalAttempt: return "signal_attempt";
    case SandboxOutcome::kNetworkAttempt: return "network_attempt";
    case SandboxOutcome::kWriteOutside: return "write_outside";
    case SandboxOutcome::kForbidden: return "forbidden";
    case SandboxOutcome::kOutputLimit: return "output_limit";
    case SandboxOutcome::kCrashed: return "crashed";
    case SandboxOutcome::kExitedEarly: return "exited_early";
    case SandboxOutcome::kNoAsserts: return "no_asserts";
    case SandboxOutcome::kTestsIgnoreSolution: return "tests_ignore_solution";
    case SandboxOutcome::kSandboxError: return "sandbox_error";
    case SandboxOutcome::kCancelled: return "cancelled";
  }
  return "error";
}

pid_t parse_bwrap_child_pid(std::string_view info) {
  const size_t key = info.find("\"child-pid\"");
  if (key == std::string_view::npos) return 0;
  size_t at = info.find(':', key);
  if (at == std::string_view::npos) return 0;
  ++at;
  while (at < info.size() && (info[at] == ' ' || info[at] == '\t' || info[at] == '\n')) ++at;
  uint64_t pid = 0;
  size_t digits = 0;
  for (; at < info.size() && info[at] >= '0' && info[at] <= '9' && digits < 10; ++at, ++digits)
    pid = pid * 10 + static_cast<uint64_t>(info[at] - '0');
  // Only a real process id: never 0 or a negative number, which kill() reads as a group.
  return digits > 0 && digits < 10 && pid > 1 ? static_cast<pid_t>(pid) : 0;
}

HarnessReport parse_harness_report(std::string_view s) {
  HarnessReport v;
  if (!s.starts_with("started\n")) return v;
  v.started = true;
  s.remove_prefix(8);
  const size_t eol = s.find('\n');
  if (eol == std::string_view::npos) return v;
  s = s.substr(0, eol);
  const size_t sp = s.find(' ');
  v.word = std::string(s.substr(0, sp));
  if (sp != std::string_view::npos) {
    unsigned long a = 0, c = 0, l = 0;
    if (std::sscanf(std::string(s.substr(sp + 1)).c_str(), "%lu %lu %lu", &a, &c, &l) == 3 && c <= l &&
        l <= UINT32_MAX && a <= UINT32_MAX) {
      v.asserts = static_cast<uint32_t>(a);
      v.covered = static_cast<uint32_t>(c);
      v.lines = static_cast<uint32_t>(l);
    }
  }
  return v;
}

bool network_namespace_available() {
  static std::once_flag once;
  static bool available = false;
  std::call_once(
      once, [] { available = child_can_unshare(CLONE_NEWUSER | CLONE_NEWNET) || child_can_unshare(CLONE_NEWNET); });
  return available;
}

SandboxResult run_python_sandboxed(const SandboxLimits& limits, std::string_view solution, std::string_view tests) {
  SandboxResult result;
  const auto t0 = std::chrono::steady_clock::now();
  const bool isolated = limits.isolation == Isolation::kBubblewrap;

  // Everything the child needs is prepared before fork: after it, only system calls.
  struct Fds {
    std::vector<int> fds;
    ~Fds() {
      for (int fd : fds)
        if (fd >= 0) ::close(fd);
    }
    // Kept above the numbers the child dup2()s onto (0-6), so that no dup2 there
    // overwrites a descriptor a later one still needs.
    int add(int fd) {
      if (fd >= 0 && fd < 16) {
        const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 16);
        ::close(fd);
        fd = high;
      }
      return fds.emplace_back(fd);
    }
  } own;
  std::filesystem::path dir;  // kNone: the host directory the code runs in
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup;
  std::vector<std::string> args;
  int seccomp_fd = -1, solution_fd = -1, tests_fd = -1;
  bool netns_made = false, drop_to_nobody = false;
  int netns_fd = -1;
  if (isolated) {
    const SeccompProgram& program = seccomp_program();
    if (program.bpf.empty()) {
      result.output = "seccomp: " + program.error;
      return result;
    }
    seccomp_fd = own.add(memory_file("primer-seccomp", program.bpf));
    solution_fd = own.add(memory_file("solution.py", solution));
    tests_fd = own.add(memory_file("tests.py", tests));
    if (seccomp_fd < 0 || solution_fd < 0 || tests_fd < 0) {
      result.output = std::string("memfd_create: ") + std::strerror(errno);
      return result;
    }
    drop_to_nobody = ::geteuid() == 0;
    netns_fd = drop_to_nobody ? shared_network_namespace() : -1;
    netns_made = netns_fd >= 0;
    args = bwrap_arguments(limits, find_bwrap(limits.bwrap), netns_made);
  } else {
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
    dir = cleanup.dir = dir_template;
    if (!write_file(dir / "solution.py", solution) || !write_file(dir / "tests.py", tests)) {
      result.output = "cannot write the exercise files into " + dir.string();
      return result;
    }
  }
  args.push_back(limits.python.string());
  const int harness_fd = harness_code(limits.python.string());
  const off_t harness_size = harness_fd < 0 ? 0 : ::lseek(harness_fd, 0, SEEK_END);
  const std::string loader = "# primer exercise harness\nimport marshal, os\nexec(marshal.loads(os.pread(" +
                             std::to_string(kHarnessFd) + ", " + std::to_string(harness_size) + ", 0)))\n";
  for (const char* s : {"-I", "-S", "-B", "-c"}) args.emplace_back(s);
  args.emplace_back(harness_fd < 0 ? kHarness : loader.c_str());
  args.push_back(std::to_string(isolated ? limits.threads : 0));
  args.emplace_back(isolated ? "private_tmp" : "host_tmp");
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string home = "HOME=" + dir.string(), tmpdir = "TMPDIR=" + dir.string();
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LANG=C.UTF-8"),
                  const_cast<char*>(home.c_str()),         const_cast<char*>(tmpdir.c_str()),
                  const_cast<char*>("PYTHONHASHSEED=0"),   nullptr};
  const rlim_t cpu = static_cast<rlim_t>(std::max(1.0, limits.cpu_seconds + 0.999));
  int out_pipe[2], status_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const int out_read = own.add(out_pipe[0]);
  const int out_write = own.add(out_pipe[1]);
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const int status_read = own.add(status_pipe[0]);
  const int status_write = own.add(status_pipe[1]);
  if (out_read < 0 || out_write < 0 || status_read < 0 || status_write < 0) {
    result.output = std::string("fcntl: ") + std::strerror(errno);
    return result;
  }
  // bwrap writes {"child-pid": N} here: the host pid of the namespace's PID 1.
  int info_pipe[2] = {-1, -1};
  int info_read = -1, info_write = -1;
  if (isolated) {
    if (::pipe2(info_pipe, O_CLOEXEC) != 0) {
      result.output = std::string("pipe: ") + std::strerror(errno);
      return result;
    }
    info_read = own.add(info_pipe[0]);
    info_write = own.add(info_pipe[1]);
    if (info_read < 0 || info_write < 0) {
      result.output = std::string("fcntl: ") + std::strerror(errno);
      return result;
    }
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: killed as a whole, and out of the terminal's reach
    if (isolated) {
      if (netns_made && ::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(126);
      if (drop_to_nobody) {
        // Raw system calls: glibc's wrappers would signal threads the forked child lacks.
        if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, kNobody, kNobody, kNobody) != 0 ||
            ::syscall(SYS_setresuid, kNobody, kNobody, kNobody) != 0)
          ::_exit(126);
      }
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // after the drop, which clears it
    } else {
      if (limits.network_namespace && ::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) ::unshare(CLONE_NEWNET);
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
    }
    set_limit(RLIMIT_CPU, cpu, cpu + 1);
    set_limit(RLIMIT_AS, limits.memory_bytes, limits.memory_bytes);
    set_limit(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_NOFILE, 64, 64);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_write, 1);
    ::dup2(out_write, 2);
    ::dup2(status_write, 3);
    if (isolated) {
      ::dup2(seccomp_fd, 4);
      ::dup2(solution_fd, 5);
      ::dup2(tests_fd, 6);
      ::dup2(info_write, 7);
    } else {
      for (int fd = 4; fd < kHarnessFd; ++fd) ::close(fd);
    }
    if (harness_fd >= 0) ::dup2(harness_fd, kHarnessFd);
    close_from(kHarnessFd + 1);
    ::execve(argv[0], argv.data(), envp);
    ::_exit(127);
  }
  if (pid < 0) {
    result.output = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  ::setpgid(pid, pid);     // also here, so that the group exists before any kill below
  for (int& fd : own.fds)  // the parent keeps only the read ends
    if (fd != out_read && fd != status_read && fd != info_read) {
      ::close(fd);
      fd = -1;
    }

  std::string status;
  bool out_open = true, status_open = true, timed_out = false, over_output = false, exited = false, cancelled = false;
  int wait_status = 0;
  const auto deadline = t0 + std::chrono::duration<double>(limits.wall_seconds);
  char buf[8192];
  while (out_open || status_open) {
    const bool exited_before_poll = exited;
    if (limits.cancel && limits.cancel->load(std::memory_order_relaxed)) {
      cancelled = true;
      break;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_read : -1, POLLIN, 0}, {status_open ? status_read : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 100)));
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      if (fds[0].revents) {
        const ssize_t n = ::read(out_read, buf, sizeof buf);
        if (n <= 0) out_open = false;
        else if (result.output.size() + static_cast<size_t>(n) > limits.output_bytes) {
          result.output.append(buf, limits.output_bytes - result.output.size());
          over_output = true;
          break;
        } else result.output.append(buf, static_cast<size_t>(n));
      }
      if (fds[1].revents) {
        const ssize_t n = ::read(status_read, buf, sizeof buf);
        if (n <= 0) status_open = false;
        else if (status.size() < 256) status.append(buf, static_cast<size_t>(n));
      }
    }
    // The child has gone but something it started may hold the pipes: stop reading once
    // a whole poll after its exit found nothing (what it wrote before exiting is read
    // first). has_exited() leaves it a zombie, so its pid, the group id, cannot be reused
    // before the kill below.
    if (exited_before_poll && ready == 0) break;
    if (!exited) exited = has_exited(pid);
  }
  if (isolated && !exited) {
    // Timeout, output cap or cancel. Killing the namespace's PID 1 makes the kernel kill
    // everything in the namespace, and PID 1 is gone only once all of it is; bwrap then
    // exits with it. So by the time bwrap is reaped below, nothing of the run is left
    // (killing bwrap itself would leave the namespace to die on its own, later).
    if (const pid_t init = namespace_init(info_read); init > 0) {
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, init, 0));
      if (pidfd >= 0) {
        // Still bwrap's unreaped child (bwrap has not exited): the pid names it.
        if (!has_exited(pid)) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
        ::close(pidfd);
        wait_until_exit(pid, 2000);
      }
    }
  }
  // The whole group: stragglers, or everything on timeout / output cap / cancel (and, for
  // a bwrap that never said where its namespace is, --die-with-parent does the rest).
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const HarnessReport v = parse_harness_report(status);
  result.asserts = v.asserts;
  result.covered = v.covered;
  result.lines = v.lines;
  // A signal that ended the interpreter: directly (kNone), or as bwrap's 128 + signal.
  int signal = 0;
  if (WIFSIGNALED(wait_status)) signal = WTERMSIG(wait_status);
  else if (isolated && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) > 128)
    signal = WEXITSTATUS(wait_status) - 128;
  if (cancelled) result.outcome = SandboxOutcome::kCancelled;
  else if (timed_out) result.outcome = SandboxOutcome::kTimeout;
  else if (over_output) result.outcome = SandboxOutcome::kOutputLimit;
  else if (!v.started) {
    // The interpreter never ran the harness: the sandbox or the interpreter is broken.
    result.outcome = SandboxOutcome::kSandboxError;
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 126)
      result.output += isolated ? "could not drop to nobody or make a network namespace before starting bwrap"
                                : "could not enter the run directory";
    else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 127)
      result.output += "cannot execute " + std::string(argv[0]);
  } else if (!v.word.empty()) {
    result.outcome = outcome_of_word(v.word);
    if (!is_verdict(result.outcome)) result.outcome = SandboxOutcome::kError;  // a word the harness never writes
    if (result.outcome == SandboxOutcome::kPassed && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0))
      result.outcome = SandboxOutcome::kError;
  } else if (signal) {
    result.outcome = signal == SIGXCPU || signal == SIGKILL ? SandboxOutcome::kTimeout
                     : signal == SIGXFSZ                    ? SandboxOutcome::kOutputLimit
                                                            : SandboxOutcome::kCrashed;
  } else {
    result.outcome = SandboxOutcome::kExitedEarly;  // os._exit in the code, before its verdict
  }
  return result;
}

std::string SandboxResult::last_line() const {
  std::string_view s = output;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  if (const size_t nl = s.rfind('\n'); nl != std::string_view::npos) s.remove_prefix(nl + 1);
  return std::string(s);
}

std::optional<std::string> sandbox_unavailable(const SandboxLimits& limits) {
  SandboxLimits probe = limits;
  probe.cpu_seconds = 5;
  probe.wall_seconds = 20;
  probe.cancel = nullptr;
  const auto r = run_python_sandboxed(probe, "def f():\n    return 1\n", "assert f() == 1\n");
  if (r.outcome == SandboxOutcome::kPassed) return std::nullopt;
  std::string why = r.last_line();
  if (why.empty()) why = std::string("a trivial exercise ended as ") + std::string(outcome_name(r.outcome));
  if (limits.isolation == Isolation::kNone) return "the exercise runner does not work here: " + why;
  std::string hint;
  if (::access(find_bwrap(limits.bwrap).c_str(), X_OK) != 0) hint = "install bubblewrap (apt-get install bubblewrap)";
  else
    hint =
        "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
        "user.max_user_namespaces > 0; in a container, a seccomp or AppArmor profile that permits them)";
  return "the exercise sandbox cannot start (" + why + "): " + hint +
         "; or set isolation = \"none\" to run exercises without isolation (the dataset will say so)";
}

}  // namespace primer::filters
