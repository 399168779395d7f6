// The built-in teacher's Python: every exercise task, under every name, is a correct
// solution whose tests pass when run by a real interpreter (/usr/bin/python3); lessons
// are runnable and print what they say they print; noise plants each failure kind at
// the configured share.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "base/rng.h"
#include "filters/code_text.h"
#include "generators/builtin.h"
#include "generators/builtin_code.h"
#include "prompts/code.h"
#include "prompts/sampler.h"
#include "tests/support/testing.h"

using namespace primer;
using generators::CodeFailure;
using primer::testing::TempDir;

namespace {

// Runs case_N/{solution,tests}.py (or lesson_N.py with expected_N.txt) in one Python
// process, each in a fresh namespace; prints one line per failure.
constexpr const char* kDriver = R"py(
import contextlib, io, os, sys, traceback
root = sys.argv[1]
failures = 0
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    if not os.path.isdir(path):
        continue
    os.chdir(path)
    scope = {"__name__": "__main__"}
    try:
        if os.path.exists("tests.py"):
            exec(compile(open("solution.py").read(), "solution.py", "exec"), scope)
            exec(compile(open("tests.py").read(), "tests.py", "exec"), scope)
        else:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(open("lesson.py").read(), "lesson.py", "exec"), scope)
            expected = open("expected.txt").read() if os.path.exists("expected.txt") else None
            if expected is not None and out.getvalue() != expected:
                raise AssertionError("printed %r, the lesson says %r" % (out.getvalue(), expected))
    except BaseException:
        failures += 1
        print("FAIL", name, traceback.format_exc().splitlines()[-1])
print("failures", failures)
)py";

base::PromptSpec exercise_prompt(std::string_view name, std::string difficulty, uint64_t id) {
  base::PromptSpec p;
  p.kind = "codeexercises";
  p.id = id;
  p.function_name = std::string(name);
  p.difficulty = std::move(difficulty);
  p.topic = "Lists > Prefix sums";
  return p;
}

// The solution (all Python blocks but the last) and the tests (the last).
std::pair<std::string, std::string> split_exercise(const std::string& text) {
  std::vector<filters::CodeBlock> blocks;
  for (const auto& b : filters::extract_code_blocks(text))
    if (filters::is_python_block(b)) blocks.push_back(b);
  REQUIRE(blocks.size() == 2);
  return {std::string(blocks[0].code), std::string(blocks[1].code)};
}

std::string run_driver(const TempDir& dir) {
  primer::testing::write_file(dir / "driver.py", kDriver);
  const auto r =
      primer::testing::run_command({"/usr/bin/python3", (dir / "driver.py").string(), (dir / "cases").string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("every exercise task, under every name and difficulty, passes its own tests in Python") {
  CHECK_NOTHROW(generators::check_code_tasks());
  TempDir dir;
  int n = 0;
  for (const auto& task : prompts::exercise_tasks())
    for (size_t k = 0; k < task.names.size(); ++k) {
      const char* difficulty = k == 0 ? "easy" : k == 1 ? "medium" : "hard";
      const auto reply =
          generators::write_exercise(exercise_prompt(task.names[k], difficulty, 1000 + n), CodeFailure::kNone);
      const auto [solution, tests] = split_exercise(reply.text);
      CHECK(solution.find("def " + std::string(task.names[k]) + "(") != std::string::npos);
      CHECK(tests.find("assert ") != std::string::npos);
      const auto sub = dir / "cases" / ("case_" + std::to_string(n++));
      std::filesystem::create_directories(sub);
      primer::testing::write_file(sub / "solution.py", solution);
      primer::testing::write_file(sub / "tests.py", tests);
    }
  const std::string out = run_driver(dir);
  CHECK_MESSAGE(out == "failures 0\n", out);
  CHECK(n == static_cast<int>(3 * prompts::exercise_tasks().size()));
}

TEST_CASE("lessons: every audience x style is runnable and prints what it says") {
  prompts::SamplerOptions o;
  o.kind = "codetextbook";
  o.template_path = primer::testing::source_path("prompts/codetextbook.txt");
  const auto sampler = prompts::make_sampler(o, primer::testing::default_vocabulary());
  TempDir dir;
  std::set<std::string> combos, texts;
  int with_output = 0;
  for (uint64_t i = 0; i < 400; ++i) {
    const base::PromptSpec p = sampler->sample(2, i);
    const auto reply = generators::write_lesson(p, CodeFailure::kNone);
    combos.insert(p.audience + "/" + p.style);
    CHECK(texts.insert(reply.text).second);
    std::string code, output;
    bool has_output = false;
    for (const auto& b : filters::extract_code_blocks(reply.text)) {
      if (filters::is_python_block(b)) code.append(b.code).append("\n");
      else if (b.lang == "text") {
        output.append(b.code);
        has_output = true;
      }
    }
    REQUIRE_MESSAGE(!code.empty(), reply.text);
    const auto sub = dir / "cases" / ("lesson_" + std::to_string(i));
    std::filesystem::create_directories(sub);
    primer::testing::write_file(sub / "lesson.py", code);
    if (has_output) {
      primer::testing::write_file(sub / "expected.txt", output);
      ++with_output;
    }
  }
  CHECK(combos.size() == 16);
  CHECK(with_output > 200);
  const std::string out = run_driver(dir);
  CHECK_MESSAGE(out == "failures 0\n", out);
}

TEST_CASE("planted failures: each kind is what it says, and noise plants them at its share") {
  const auto clean = generators::write_exercise(exercise_prompt("count_vowels", "medium", 7), CodeFailure::kNone);
  std::map<CodeFailure, std::string> text;
  for (int f = 1; f < generators::kCodeFailureCount; ++f) {
    const auto kind = static_cast<CodeFailure>(f);
    text[kind] = generators::write_exercise(exercise_prompt("count_vowels", "medium", 7), kind).text;
    CHECK_MESSAGE(text[kind] != clean.text, generators::code_failure_name(kind));
  }
  CHECK(text[CodeFailure::kMissingCodeBlock].find("```") == std::string::npos);
  CHECK(text[CodeFailure::kForkBomb].find("os.fork()") != std::string::npos);
  CHECK(text[CodeFailure::kHugeAllocation].find("bytearray(4 * 1024 ** 3)") != std::string::npos);
  CHECK(text[CodeFailure::kNetwork].find("socket.create_connection") != std::string::npos);
  CHECK(text[CodeFailure::kWriteOutside].find("os.path.dirname(os.getcwd())") != std::string::npos);

  // Shares over 10,000 exercise prompts: noise 0.2 → ~20% realistic, hostile 0.04 → ~4%.
  std::map<CodeFailure, int> counts;
  generators::CodeOptions opts{0.2, 0.04};
  for (uint64_t i = 0; i < 10000; ++i) {
    base::PromptSpec p = exercise_prompt("count_vowels", "easy", base::prompt_id(1, i));
    ++counts[generators::planned_failure(p, opts)];
  }
  int realistic = 0, hostile = 0;
  for (const auto& [k, n] : counts) {
    if (k >= CodeFailure::kForkBomb) hostile += n;
    else if (k != CodeFailure::kNone) realistic += n;
  }
  CHECK(std::abs(realistic - 2000) < 150);
  CHECK(std::abs(hostile - 400) < 80);
  CHECK(counts.size() == static_cast<size_t>(generators::kCodeFailureCount));
  // Lessons only get lesson failures.
  base::PromptSpec lesson;
  lesson.kind = "codetextbook";
  for (uint64_t i = 0; i < 2000; ++i) {
    lesson.id = base::prompt_id(2, i);
    const auto f = generators::planned_failure(lesson, {0.5, 0.5});
    CHECK((f == CodeFailure::kNone || f == CodeFailure::kSyntaxError || f == CodeFailure::kMissingCodeBlock));
  }
}

TEST_CASE("the BuiltinTeacher dispatches code prompts and checks noise + hostile") {
  const auto& vocab = primer::testing::default_vocabulary();
  generators::BuiltinTeacher teacher(vocab, generators::BuiltinOptions{0.0, 0.0});
  const auto p = exercise_prompt("fibonacci", "hard", 99);
  CHECK(teacher.complete(p).text == generators::write_exercise(p, CodeFailure::kNone).text);
  CHECK_THROWS_AS(generators::BuiltinTeacher(vocab, generators::BuiltinOptions{0.7, 0.5}), std::invalid_argument);
  CHECK_THROWS_AS(generators::write_exercise(exercise_prompt("nope", "easy", 1), CodeFailure::kNone),
                  std::invalid_argument);
}
