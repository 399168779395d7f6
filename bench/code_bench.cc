// Code filters at speed, on 2 cores (oneTBB arena of 2):
//   - exercises verified per second by exercise_tests (sandboxed child per exercise),
//     against the bare cost of starting an interpreter (`python3 -I -S -c pass`) per item;
//   - Python syntax checks per second through the persistent pool, against a process per
//     document (`python3 -c "import ast, sys; ast.parse(...)"`).
// Exercises are clean builtin-teacher exercises (every one passes), so the figure is the
// steady-state cost of a verified exercise. Prints ratios; no assertions.
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <thread>

#include "filters/code_text.h"
#include "filters/filter.h"
#include "filters/python_pool.h"
#include "storage/files.h"
#include "generators/builtin_code.h"
#include "prompts/sampler.h"
#include "vocab/vocabulary.h"

using namespace primer;

namespace {

// Defaults, except isolation.
class BenchSettings final : public filters::FilterSettings {
 public:
  explicit BenchSettings(std::string isolation) : isolation_(std::move(isolation)) {}
  std::optional<double> number(std::string_view) override { return std::nullopt; }
  std::optional<int64_t> integer(std::string_view) override { return std::nullopt; }
  std::optional<bool> boolean(std::string_view) override { return std::nullopt; }
  std::optional<std::string> string(std::string_view k) override {
    return k == "isolation" ? std::optional<std::string>(isolation_) : std::nullopt;
  }
  [[noreturn]] void invalid(std::string_view k, const std::string& m) override {
    throw std::invalid_argument(std::string(k) + " " + m);
  }

 private:
  std::string isolation_;
};

int run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  posix_spawn_file_actions_t quiet;  // the per-document baseline's output is not the point
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&quiet);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// A Python string literal of s (escapes quotes, backslashes and newlines).
std::string python_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "'";
}

// The sandbox before bubblewrap (commit ff281ac), the baseline the boundary may cost at
// most 25% of: a forked child in a fresh temporary directory with both files, its own
// process group, a user + network namespace, the same rlimits, and that version's short
// harness. True when the harness said "passed".
bool previous_sandbox(const std::string& harness, const std::string& solution, const std::string& tests) {
  char dir_template[] = "/tmp/primer-bench-XXXXXX";
  if (!::mkdtemp(dir_template)) return false;
  const std::filesystem::path dir = dir_template;
  auto write = [](const std::filesystem::path& p, const std::string& s) {
    FILE* f = std::fopen(p.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size();
    return std::fclose(f) == 0 && ok;
  };
  bool passed = false;
  int status_pipe[2];
  if (write(dir / "solution.py", solution) && write(dir / "tests.py", tests) && ::pipe2(status_pipe, O_CLOEXEC) == 0) {
    const std::string home = "HOME=" + dir.string(), tmpdir = "TMPDIR=" + dir.string();
    char* argv[] = {const_cast<char*>("/usr/bin/python3"),
                    const_cast<char*>("-I"),
                    const_cast<char*>("-S"),
                    const_cast<char*>("-B"),
                    const_cast<char*>("-c"),
                    const_cast<char*>(harness.c_str()),
                    nullptr};
    char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LANG=C.UTF-8"),
                    const_cast<char*>(home.c_str()),         const_cast<char*>(tmpdir.c_str()),
                    const_cast<char*>("PYTHONHASHSEED=0"),   nullptr};
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) ::unshare(CLONE_NEWNET);
      const std::pair<int, rlim_t> limits[] = {{RLIMIT_CPU, 3},
                                               {RLIMIT_AS, 512ull << 20},
                                               {RLIMIT_FSIZE, 16ull << 20},
                                               {RLIMIT_CORE, 0},
                                               {RLIMIT_NOFILE, 64}};
      for (const auto& [resource, value] : limits) {
        const rlimit r{value, value};
        ::setrlimit(resource, &r);
      }
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      const int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::dup2(status_pipe[1], 3);
      ::syscall(SYS_close_range, 4, ~0u, 0);
      ::execve(argv[0], argv, envp);
      ::_exit(127);
    }
    ::close(status_pipe[1]);
    char word[64];
    const ssize_t n = pid > 0 ? ::read(status_pipe[0], word, sizeof word) : -1;
    ::close(status_pipe[0]);
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    passed = n == 6 && std::string_view(word, 6) == "passed";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return passed;
}

template <typename Fn>
double per_second(tbb::task_arena& arena, size_t n, Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  arena.execute([&] { tbb::parallel_for(size_t(0), n, [&](size_t i) { fn(i); }); });
  return double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// code_bench [EXERCISES [ROUNDS]]   (default 300 exercises, 9 rounds)
int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 300;
  const int cores = 2;
  tbb::task_arena arena(cores);
  std::printf("code_bench: %zu exercises, %d cores (hardware: %u)\n", n, cores, std::thread::hardware_concurrency());

  const auto vocab = vocab::Vocabulary::parse("x noun\nx verb\nx adj\n", "(bench)");
  prompts::SamplerOptions o;
  o.kind = "codeexercises";
  o.template_path = std::string(PRIMER_SOURCE_DIR) + "/prompts/codeexercises.txt";
  const auto sampler = prompts::make_sampler(o, vocab);
  std::vector<base::Doc> docs(n);
  for (size_t i = 0; i < n; ++i) {
    docs[i].prompt = sampler->sample(1, i);
    docs[i].reply = generators::write_exercise(docs[i].prompt, generators::CodeFailure::kNone);
  }

  // The boundary (bubblewrap + seccomp, as nobody) against isolation = "none" (fork,
  // rlimits, a network namespace, the audit hook; the same harness), against the previous
  // sandbox (the same layers as "none" with that version's short harness, which proved
  // nothing about the tests) and against bare interpreter starts, in alternating rounds;
  // medians.
  BenchSettings bwrap_settings("bubblewrap"), none_settings("none");
  const auto boxed = filters::make_filter("exercise_tests", bwrap_settings, {});
  const auto bare_layers = filters::make_filter("exercise_tests", none_settings, {});
  const std::string previous_harness =
      storage::read_file(std::string(PRIMER_SOURCE_DIR) + "/bench/previous_sandbox_harness.py");
  std::vector<std::pair<std::string, std::string>> exercises;
  for (const auto& d : docs) {
    const auto blocks = filters::extract_code_blocks(d.reply.text);
    std::string solution;
    for (size_t b = 0; b + 1 < blocks.size(); ++b) solution.append(blocks[b].code).append("\n");
    exercises.emplace_back(solution, std::string(blocks.back().code));
  }
  std::atomic<size_t> kept{0}, kept_none{0}, kept_previous{0};
  // Many short rounds: on a shared machine the load drifts, and a ratio taken within one
  // round (a few seconds) sees the same load on both sides.
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 9;
  std::vector<double> boxed_rate, none_rate, previous_rate, start_rate, boundary_cost;
  for (int r = 0; r < rounds; ++r) {
    kept = kept_none = kept_previous = 0;
    boxed_rate.push_back(per_second(arena, n, [&](size_t i) { kept += boxed->check(docs[i]).keep(); }));
    none_rate.push_back(per_second(arena, n, [&](size_t i) { kept_none += bare_layers->check(docs[i]).keep(); }));
    previous_rate.push_back(per_second(arena, n, [&](size_t i) {
      kept_previous += previous_sandbox(previous_harness, exercises[i].first, exercises[i].second);
    }));
    start_rate.push_back(per_second(arena, n, [&](size_t) {
      run_process({"/usr/bin/python3", "-I", "-S", "-c", "pass"});
    }));
    boundary_cost.push_back(boxed_rate.back() / previous_rate.back());
    std::printf("  round %d: bubblewrap %.1f /s, none %.1f /s, previous sandbox %.1f /s, bare starts %.1f /s (%.2f)\n",
                r, boxed_rate.back(), none_rate.back(), previous_rate.back(), start_rate.back(), boundary_cost.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double verified = median(boxed_rate), verified_none = median(none_rate), previous = median(previous_rate),
               bare = median(start_rate);
  std::printf("exercises verified      %8.1f /s  (isolation = \"bubblewrap\"; %zu of %zu passed)\n", verified,
              kept.load(), n);
  std::printf("  isolation = \"none\"    %8.1f /s  (rlimits, network namespace, audit hook; %zu passed)\n",
              verified_none, kept_none.load());
  std::printf("  previous sandbox      %8.1f /s  (before bubblewrap: bench/previous_sandbox_harness.py; %zu passed)\n",
              previous, kept_previous.load());
  std::printf("bare interpreter starts %8.1f /s  (python3 -I -S -c pass)\n", bare);
  std::printf("ratio                   %8.2f     (bubblewrap / none: what the boundary costs)\n",
              verified / verified_none);
  std::printf(
      "ratio                   %8.2f     (bubblewrap / previous sandbox, median of the rounds' ratios; "
      "the bound is 0.75)\n",
      median(boundary_cost));
  std::printf("ratio                   %8.2f     (verified exercise / bare start)\n", verified / bare);

  // The syntax check sees what python_syntax sees: each Python block (here the solution).
  std::vector<std::string> solutions;
  for (const auto& d : docs) solutions.emplace_back(filters::extract_code_blocks(d.reply.text).front().code);
  filters::PythonSyntaxPool pool("/usr/bin/python3", cores, 10);
  const double pooled = per_second(arena, n, [&](size_t i) { pool.check(solutions[i]); });
  const double per_doc = per_second(arena, n, [&](size_t i) {
    run_process({"/usr/bin/python3", "-I", "-S", "-c", "import ast; ast.parse(" + python_literal(solutions[i]) + ")"});
  });
  std::printf("syntax checks (pool)    %8.1f /s\n", pooled);
  std::printf("syntax checks (process) %8.1f /s  (a process per document)\n", per_doc);
  std::printf("ratio                   %8.2f     (pool / process per document)\n", pooled / per_doc);
  return 0;
}
