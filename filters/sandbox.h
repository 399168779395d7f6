// Runs untrusted Python (an exercise's solution, then its tests) in a sandboxed child.
//
// Layers, each catching what the others might miss:
//   - its own process group, killed as a whole (SIGKILL) when the wall timeout passes, the
//     output cap is exceeded, or the child has exited (stragglers);
//   - rlimits: CPU seconds (SIGXCPU), address space (a 4 GB allocation is a MemoryError),
//     file size, no core files, few open files;
//   - a new network namespace (unshare(CLONE_NEWUSER | CLONE_NEWNET), or CLONE_NEWNET alone
//     as root) where the kernel allows it: no interface but a down loopback;
//   - a fresh temporary working directory (removed afterwards) and a minimal environment;
//   - a Python audit hook installed before the code runs, which ends the run with a named
//     verdict on process creation (fork, exec, subprocess), any socket use or name lookup,
//     writes, renames or deletes outside the working directory, and ctypes.
// So every failure has its own outcome: test_failed (AssertionError), error (any other
// exception), syntax_error, timeout (CPU or wall), memory_limit, spawn_attempt,
// network_attempt, write_outside, forbidden (ctypes), output_limit (stdout + stderr over
// the cap, or a file over the size limit), crashed (killed by another signal),
// sandbox_error (the interpreter could not start).
//
// Thread-safe: every call uses its own directory, pipes and process group.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace primer::filters {

struct SandboxLimits {
  std::filesystem::path python = "/usr/bin/python3";
  double cpu_seconds = 2.0;                 // RLIMIT_CPU (soft; hard one second later)
  double wall_seconds = 5.0;                // then the whole group is killed
  uint64_t memory_bytes = 512ull << 20;     // RLIMIT_AS
  uint64_t output_bytes = 64ull << 10;      // stdout + stderr
  uint64_t file_bytes = 16ull << 20;        // RLIMIT_FSIZE
  std::filesystem::path workdir_root;       // where run directories are made (empty: TMPDIR or /tmp)
  bool network_namespace = true;            // try unshare(CLONE_NEWUSER | CLONE_NEWNET)
};

enum class SandboxOutcome : uint8_t {
  kPassed, kTestFailed, kError, kSyntaxError, kTimeout, kMemoryLimit, kSpawnAttempt, kNetworkAttempt,
  kWriteOutside, kForbidden, kOutputLimit, kCrashed, kSandboxError
};
inline constexpr int kSandboxOutcomeCount = 13;
// "passed", "test_failed", ... (the exercise_tests filter's drop reasons).
std::string_view outcome_name(SandboxOutcome outcome);

struct SandboxResult {
  SandboxOutcome outcome = SandboxOutcome::kSandboxError;
  std::string output;  // stdout + stderr, at most output_bytes
  double seconds = 0;  // wall time
};

// Writes solution.py and tests.py into a fresh directory and runs them in one namespace.
SandboxResult run_python_sandboxed(const SandboxLimits& limits, std::string_view solution, std::string_view tests);

// Whether unshare(CLONE_NEWUSER | CLONE_NEWNET) (or CLONE_NEWNET) works here (probed once).
bool network_namespace_available();

}  // namespace primer::filters
