// The code filters (codetextbook, codeexercises):
//
// kind = "code_blocks": the reply must hold fenced Python.
//   min_blocks   (1)      Python blocks required (```python, ```py)
//   drop reasons: "no_code" (fewer Python blocks), "unclosed_fence" (the text ends inside a
//   block: usually a reply cut at max_tokens)
//
// kind = "python_syntax": every Python block parses and compiles (ast.parse + compile; no
// code runs) in a persistent pool of Python workers (python_pool.h).
//   python       ("/usr/bin/python3")
//   workers      (0)      pool size; 0: one per core
//   timeout      (10)     seconds per document before its worker is replaced
//   drop reasons: "no_code", "syntax_error", "checker_failed" (the worker died or hung on
//   this source twice while it still checks a trivial one). A checker that cannot check
//   anything is refused when the filter is made, and a run error (FilterError) mid-run.
//
// kind = "exercise_tests": runs the exercise in the sandbox (sandbox.h): the last Python
// block that contains an assert is the tests, the Python blocks before it the solution.
//   isolation     ("bubblewrap")  the OS boundary: bubblewrap + seccomp, as nobody, in its
//                 own namespaces; "none" runs the code with rlimits and an audit hook only
//                 (and the manifest, card and report say so). If the boundary cannot start
//                 here the filter refuses to be made, with what is missing.
//   python        ("/usr/bin/python3")
//   bwrap         ("")    the bubblewrap binary (empty: bwrap on PATH)
//   cpu_seconds   (2)     RLIMIT_CPU
//   wall_seconds  (5)     wall clock, then the process group is killed
//   memory_mb     (512)   RLIMIT_AS
//   output_kb     (64)    stdout + stderr cap
//   file_mb       (16)    RLIMIT_FSIZE, and the size of each writable tmpfs
//   min_coverage  (unset) drop exercises whose tests ran less than this share of the
//                 solution's function-body statements
//   workdir       ("")    isolation = "none": where run directories are made (TMPDIR or /tmp)
//   network_namespace (true)  isolation = "none": a network namespace where the kernel allows
//   drop reasons: "no_tests", "low_coverage" (with min_coverage), and every verdict of the
//   sandbox: test_failed, error, syntax_error, timeout, memory_limit, spawn_attempt,
//   signal_attempt, network_attempt, write_outside, forbidden, output_limit, crashed,
//   exited_early (the tests did not reach their last statement), no_asserts (no assert ran),
//   tests_ignore_solution (the tests called nothing the solution defines).
//   Kept records get "asserts" (checks executed) and "coverage" (that share).
//   A sandbox that fails to start twice is a run error (FilterError), not a drop.
#include <cstdio>
#include <optional>
#include <thread>

#include "filters/code_text.h"
#include "filters/kinds.h"
#include "filters/python_pool.h"
#include "filters/sandbox.h"

namespace primer::filters {
namespace {

size_t python_blocks(const std::vector<CodeBlock>& blocks) {
  size_t n = 0;
  for (const auto& b : blocks) n += is_python_block(b);
  return n;
}

class CodeBlocksFilter final : public Filter {
 public:
  explicit CodeBlocksFilter(size_t min_blocks) : min_blocks_(min_blocks) {}
  std::string_view name() const override { return "code_blocks"; }
  std::vector<std::string_view> reasons() const override { return {"no_code", "unclosed_fence"}; }
  Verdict check(const Doc& doc) const override {
    const auto blocks = extract_code_blocks(doc.text());
    for (const auto& b : blocks)
      if (!b.closed) return Verdict::Drop("unclosed_fence");
    return python_blocks(blocks) < min_blocks_ ? Verdict::Drop("no_code") : Verdict::Keep();
  }

 private:
  size_t min_blocks_;
};

class PythonSyntaxFilter final : public Filter {
 public:
  PythonSyntaxFilter(std::filesystem::path python, size_t workers, double timeout_s)
      : pool_(std::move(python), workers, timeout_s) {}
  std::string_view name() const override { return "python_syntax"; }
  // Why the checker cannot check a trivial source, or nothing when it can.
  std::optional<std::string> unusable() const {
    const auto r = pool_.check("x = 1\n");
    if (r.status == PythonSyntaxPool::Result::kOk) return std::nullopt;
    return r.message.empty() ? std::string("no answer") : r.message;
  }
  std::vector<std::string_view> reasons() const override { return {"no_code", "syntax_error", "checker_failed"}; }
  Verdict check(const Doc& doc) const override {
    bool any = false;
    for (const auto& b : extract_code_blocks(doc.text())) {
      if (!is_python_block(b)) continue;
      any = true;
      auto r = pool_.check(b.code);
      if (r.status == PythonSyntaxPool::Result::kFailed) {
        // Once more on a fresh worker. A checker that fails on this source but checks a
        // trivial one has met a source that kills or hangs the parser: a verdict on the
        // document. One that cannot check anything is broken: a run error.
        r = pool_.check(b.code);
        if (r.status == PythonSyntaxPool::Result::kFailed) {
          if (unusable()) throw FilterError("python_syntax: the checker does not work (" + r.message + ")");
          return Verdict::Drop("checker_failed");
        }
      }
      if (r.status == PythonSyntaxPool::Result::kSyntaxError) return Verdict::Drop("syntax_error");
    }
    return any ? Verdict::Keep() : Verdict::Drop("no_code");
  }

 private:
  PythonSyntaxPool pool_;
};

bool has_assert(std::string_view code) {
  for (size_t pos = 0; (pos = code.find("assert", pos)) != std::string_view::npos; pos += 6) {
    size_t start = pos;
    while (start > 0 && (code[start - 1] == ' ' || code[start - 1] == '\t')) --start;
    const bool line_start = start == 0 || code[start - 1] == '\n';
    const bool word_end = pos + 6 >= code.size() || code[pos + 6] == ' ' || code[pos + 6] == '(';
    if (line_start && word_end) return true;
  }
  return false;
}

class ExerciseTestsFilter final : public Filter {
 public:
  ExerciseTestsFilter(SandboxLimits limits, std::optional<double> min_coverage)
      : limits_(std::move(limits)), min_coverage_(min_coverage) {}
  std::string_view name() const override { return "exercise_tests"; }
  std::vector<std::string_view> reasons() const override {
    std::vector<std::string_view> r = {"no_tests"};
    for (int i = 1; i < kSandboxOutcomeCount; ++i)
      if (is_verdict(static_cast<SandboxOutcome>(i))) r.push_back(outcome_name(static_cast<SandboxOutcome>(i)));
    if (min_coverage_) r.push_back("low_coverage");
    return r;
  }
  Verdict check(const Doc& doc) const override { return run(doc, nullptr); }
  bool rewrites() const override { return true; }
  Verdict rewrite(Doc& doc) const override { return run(doc, &doc); }
  std::string caveat() const override {
    return limits_.isolation == Isolation::kNone
               ? "exercise_tests ran the teacher's code without isolation (isolation = \"none\"): no OS sandbox, "
                 "only rlimits and an audit hook"
               : std::string();
  }

 private:
  // Runs the exercise; a kept one gets "asserts" and "coverage" fields when `out` is given.
  Verdict run(const Doc& doc, Doc* out) const {
    std::vector<CodeBlock> blocks;
    for (const auto& b : extract_code_blocks(doc.text()))
      if (is_python_block(b)) blocks.push_back(b);
    size_t tests = blocks.size();
    while (tests > 0 && !has_assert(blocks[tests - 1].code)) --tests;
    if (tests == 0) return Verdict::Drop("no_tests");
    std::string solution;
    for (size_t i = 0; i + 1 < tests; ++i) solution.append(blocks[i].code).append("\n");
    SandboxResult r = run_python_sandboxed(limits_, solution, blocks[tests - 1].code);
    if (r.outcome == SandboxOutcome::kSandboxError) {
      // Once more (a transient fork or memory failure), then the run stops: a sandbox
      // that cannot start says nothing about the exercise.
      r = run_python_sandboxed(limits_, solution, blocks[tests - 1].code);
      if (r.outcome == SandboxOutcome::kSandboxError)
        throw FilterError("exercise_tests: the sandbox failed to start twice (" + r.last_line() + ")");
    }
    if (r.outcome == SandboxOutcome::kCancelled) throw FilterCancelled();
    if (r.outcome != SandboxOutcome::kPassed) return Verdict::Drop(outcome_name(r.outcome));
    if (min_coverage_ && r.coverage() < *min_coverage_) return Verdict::Drop("low_coverage");
    if (out) {
      char coverage[32];
      std::snprintf(coverage, sizeof coverage, "%.4g", r.coverage());
      out->fields.emplace_back("asserts", std::to_string(r.asserts));
      out->fields.emplace_back("coverage", coverage);
    }
    return Verdict::Keep();
  }

  SandboxLimits limits_;
  std::optional<double> min_coverage_;
};

std::filesystem::path python_setting(FilterSettings& s) {
  const std::string python = s.string("python").value_or("/usr/bin/python3");
  if (!std::filesystem::exists(python)) s.invalid("python", "= \"" + python + "\": no such file (install python3)");
  return python;
}

}  // namespace

std::unique_ptr<Filter> make_code_blocks_filter(FilterSettings& s, const FilterContext&) {
  const int64_t min_blocks = s.integer("min_blocks").value_or(1);
  if (min_blocks < 1 || min_blocks > 100) s.invalid("min_blocks", "must be between 1 and 100");
  return std::make_unique<CodeBlocksFilter>(static_cast<size_t>(min_blocks));
}

std::unique_ptr<Filter> make_python_syntax_filter(FilterSettings& s, const FilterContext& context) {
  const auto python = python_setting(s);
  const int64_t workers = s.integer("workers").value_or(0);
  if (workers < 0 || workers > 256) s.invalid("workers", "must be between 0 (one per core) and 256");
  const double timeout = s.number("timeout").value_or(10);
  if (timeout <= 0) s.invalid("timeout", "must be positive (seconds)");
  const size_t n = workers ? static_cast<size_t>(workers) : std::max(1u, std::thread::hardware_concurrency());
  auto filter = std::make_unique<PythonSyntaxFilter>(python, n, timeout);
  // A broken interpreter must stop the run before it starts, not drop every document.
  if (auto why = context.check_only ? std::nullopt : filter->unusable())
    s.invalid("python", "= \"" + python.string() + "\" does not work as a Python syntax checker (" + *why + ")");
  return filter;
}

std::unique_ptr<Filter> make_exercise_tests_filter(FilterSettings& s, const FilterContext& context) {
  SandboxLimits l;
  l.python = python_setting(s);
  const std::string isolation = s.string("isolation").value_or("bubblewrap");
  if (isolation == "none") l.isolation = Isolation::kNone;
  else if (isolation != "bubblewrap") s.invalid("isolation", "must be \"bubblewrap\" (the default) or \"none\"");
  if (auto bwrap = s.string("bwrap")) l.bwrap = *bwrap;
  l.cpu_seconds = s.number("cpu_seconds").value_or(2);
  if (l.cpu_seconds < 1 || l.cpu_seconds > 3600) s.invalid("cpu_seconds", "must be between 1 and 3600");
  l.wall_seconds = s.number("wall_seconds").value_or(5);
  if (l.wall_seconds <= 0 || l.wall_seconds > 3600) s.invalid("wall_seconds", "must be in (0, 3600]");
  const double memory_mb = s.number("memory_mb").value_or(512);
  if (memory_mb < 64 || memory_mb > 1 << 20) s.invalid("memory_mb", "must be between 64 and 1048576");
  l.memory_bytes = static_cast<uint64_t>(memory_mb * (1 << 20));
  const double output_kb = s.number("output_kb").value_or(64);
  if (output_kb < 1 || output_kb > 1 << 20) s.invalid("output_kb", "must be between 1 and 1048576");
  l.output_bytes = static_cast<uint64_t>(output_kb * 1024);
  const double file_mb = s.number("file_mb").value_or(16);
  if (file_mb < 1 || file_mb > 4096) s.invalid("file_mb", "must be between 1 and 4096");
  l.file_bytes = static_cast<uint64_t>(file_mb * (1 << 20));
  if (auto w = s.string("workdir")) {
    if (!w->empty() && !std::filesystem::is_directory(*w)) s.invalid("workdir", "= \"" + *w + "\" is not a directory");
    l.workdir_root = *w;
  }
  l.network_namespace = s.boolean("network_namespace").value_or(true);
  const auto min_coverage = s.share("min_coverage");
  l.cancel = context.cancel;
  // No silent downgrade: a boundary the kernel refuses stops the run before it starts.
  if (!context.check_only)
    if (auto why = sandbox_unavailable(l)) s.invalid("isolation", *why);
  return std::make_unique<ExerciseTestsFilter>(std::move(l), min_coverage);
}

}  // namespace primer::filters
