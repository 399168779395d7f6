// Runs untrusted Python (an exercise's solution, then its tests) behind an OS boundary.
//
//   SandboxLimits limits;                       // isolation = kBubblewrap by default
//   if (auto why = sandbox_unavailable(limits)) { ... refuse to start: *why says what is missing ... }
//   SandboxResult r = run_python_sandboxed(limits, solution, tests);
//   if (r.outcome == SandboxOutcome::kPassed) ... r.asserts, r.coverage() ...
//
// The boundary (isolation = kBubblewrap) is bubblewrap (Debian `bubblewrap`, Flatpak's
// sandbox tool) plus a seccomp filter compiled with libseccomp:
//   - an unprivileged identity: as root, primer drops to nobody (65534) before it starts
//     bwrap, so the code is nobody outside its user namespace too; otherwise the calling
//     user, mapped to 65534 inside;
//   - its own mount namespace on an empty read-only root: /usr read-only (and /bin, /lib...
//     as the host has them), the configured interpreter's prefix read-only when it lives
//     outside /usr, a private /proc and a /dev of null, zero, full, random and urandom
//     (no terminal, no pts); nothing else of the host (no /etc, /root, /home, dataset,
//     journal or config). Writable: the working directory
//     /exercise, a private /tmp and /dev/shm, each a tmpfs of `tmpfs_bytes`;
//   - its own PID, IPC, UTS, user and network namespaces: it sees and signals only its own
//     processes, and all of them die with it (--die-with-parent, PID 1 of the namespace);
//     the network namespace has a loopback and nothing else (as root, one made once per
//     process before the drop and entered by every exercise: its loopback is down);
//   - seccomp: fork/vfork and clone without CLONE_THREAD, namespace flags, clone3 (ENOSYS:
//     threads fall back to clone), ptrace, process_vm_*, mount and the new mount API,
//     pivot_root, chroot, bpf, perf_event_open, keyctl and keys, unshare, setns, kernel
//     modules, kexec, reboot, swap, clock and host name changes, io_uring, userfaultfd,
//     handle-based opens, TIOCSTI: all refused (EPERM); socket() of every family
//     (EAFNOSUPPORT: only unnamed AF_UNIX socketpairs remain);
//   - rlimits: CPU seconds, address space, file size, open files, no core files, and
//     (inside the user namespace) threads;
//   - an empty environment but PATH, LANG, HOME, TMPDIR and PYTHONHASHSEED;
//   - its own process group and session: a terminal's Ctrl-C never reaches it.
// Inside, a harness (sandbox_harness.py) runs the code, names what an audit hook sees
// (spawn_attempt, network_attempt, write_outside, ...) and decides whether the tests
// proved anything (exited_early, no_asserts, tests_ignore_solution).
//
// isolation = kNone (the config's explicit `isolation = "none"`): a child in a temporary
// host directory with the rlimits, the harness and, where the kernel allows, a network
// namespace. The audit hook is then the only thing between the code and the host.
//
// A sandbox that cannot start (bwrap missing or refused by the kernel, the interpreter
// missing) is kSandboxError: a broken tool, never a verdict on the exercise (the filter
// turns it into a run error).
//
// Thread-safe: every call uses its own pipes, memory files and process group.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace primer::filters {

enum class Isolation : uint8_t { kBubblewrap, kNone };

struct SandboxLimits {
  std::filesystem::path python = "/usr/bin/python3";
  Isolation isolation = Isolation::kBubblewrap;
  std::filesystem::path bwrap;           // empty: bwrap on PATH (/usr/bin/bwrap on Debian)
  double cpu_seconds = 2.0;              // RLIMIT_CPU (soft; hard one second later)
  double wall_seconds = 5.0;             // then the whole group is killed
  uint64_t memory_bytes = 512ull << 20;  // RLIMIT_AS
  uint64_t output_bytes = 64ull << 10;   // stdout + stderr
  uint64_t file_bytes = 16ull << 20;     // RLIMIT_FSIZE, and the size of each tmpfs
  int threads = 64;                      // RLIMIT_NPROC inside the user namespace
  std::filesystem::path workdir_root;    // kNone: where run directories are made (empty: TMPDIR or /tmp)
  bool network_namespace = true;         // kNone: try unshare(CLONE_NEWUSER | CLONE_NEWNET)
  // Polled while the code runs: when it turns true the run is killed and kCancelled returned.
  const std::atomic<bool>* cancel = nullptr;
};

// clang-format off
enum class SandboxOutcome : uint8_t {
  kPassed, kTestFailed, kError, kSyntaxError, kTimeout, kMemoryLimit, kSpawnAttempt, kSignalAttempt,
  kNetworkAttempt, kWriteOutside, kForbidden, kOutputLimit, kCrashed, kExitedEarly, kNoAsserts,
  kTestsIgnoreSolution, kSandboxError, kCancelled
};
// clang-format on
inline constexpr int kSandboxOutcomeCount = 18;
// "passed", "test_failed", ... (the exercise_tests filter's drop reasons).
std::string_view outcome_name(SandboxOutcome outcome);
// Verdicts on the exercise; kSandboxError and kCancelled are not (the run, not the code).
inline bool is_verdict(SandboxOutcome o) {
  return o != SandboxOutcome::kSandboxError && o != SandboxOutcome::kCancelled;
}

struct SandboxResult {
  SandboxOutcome outcome = SandboxOutcome::kSandboxError;
  std::string output;    // stdout + stderr, at most output_bytes (kSandboxError: why)
  double seconds = 0;    // wall time
  uint32_t asserts = 0;  // assert statements and unittest checks the tests executed
  uint32_t lines = 0;    // statements in the solution's function bodies
  uint32_t covered = 0;  // ... of which the tests executed
  // The share of the solution's function-body statements the tests ran (1 when there are none).
  double coverage() const { return lines ? static_cast<double>(covered) / lines : 1.0; }
  // The output's last line: for kSandboxError, why the sandbox could not start.
  std::string last_line() const;
};

// Puts solution.py and tests.py in the sandbox's working directory and runs them there.
SandboxResult run_python_sandboxed(const SandboxLimits& limits, std::string_view solution, std::string_view tests);

// Empty when the boundary that `limits` asks for works here (a trivial exercise passes in
// it); otherwise one line: what is missing and how to allow it.
std::optional<std::string> sandbox_unavailable(const SandboxLimits& limits);

// Parsers of the bytes that come back from inside (exposed for tests and fuzzing).
// The harness's report on fd 3: "started\n" (the sandbox came up), then
// "<word> <asserts> <covered> <lines>\n". Counts that do not parse, or covered > lines,
// read as zeros.
struct HarnessReport {
  bool started = false;
  std::string word;
  uint32_t asserts = 0, covered = 0, lines = 0;
};
HarnessReport parse_harness_report(std::string_view bytes);
// bwrap's --info-fd JSON ({"child-pid": 123}): the host pid of the sandbox's PID 1, or 0
// when it is missing or not a plausible pid (never 0, 1 or negative: kill() would read
// those as a group or everyone).
pid_t parse_bwrap_child_pid(std::string_view info);

// Whether unshare(CLONE_NEWUSER | CLONE_NEWNET) (or CLONE_NEWNET) works here (probed once).
bool network_namespace_available();

}  // namespace primer::filters
