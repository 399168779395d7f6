// The code filters: fenced-block extraction, the Python syntax pool (persistent workers),
// the exercise sandbox (each planted failure dropped with its own reason, nothing escapes),
// code near-dedup and code decontamination.
#include <doctest/doctest.h>

#include <tbb/parallel_for.h>

#include <atomic>
#include <cstdio>

#include "filters/code_text.h"
#include "filters/python_pool.h"
#include "filters/sandbox.h"
#include "generators/builtin_code.h"
#include "prompts/code.h"
#include "tests/filters/filter_testing.h"
#include "tests/support/testing.h"

using namespace primer;
using namespace primer::filters;
using filters::testing::make_with;
using filters::testing::Settings;
using filters::testing::text_doc;
using generators::CodeFailure;
using primer::testing::TempDir;

namespace {

base::Doc exercise_doc(CodeFailure f, std::string_view name = "count_vowels", uint64_t index = 0) {
  base::PromptSpec p;
  p.kind = "codeexercises";
  p.id = 77 + index;
  p.index = index;
  p.function_name = std::string(name);
  p.difficulty = "medium";
  base::Doc d;
  d.prompt = p;
  d.reply = generators::write_exercise(p, f);
  return d;
}

}  // namespace

TEST_CASE("fenced code blocks: languages, tildes, unclosed fences, inline backticks") {
  const std::string text =
      "Intro with ```inline``` code.\n```python\nx = 1\n```\ntext\n  ~~~~ py3 {.numberLines}\ny = 2\n~~~~\n"
      "```\nplain\n```\n```text\n3\n```\n```Python\nz = [\n";
  const auto b = extract_code_blocks(text);
  REQUIRE(b.size() == 5);
  CHECK(b[0].lang == "python");
  CHECK(b[0].code == "x = 1\n");
  CHECK(b[1].lang == "py3");
  CHECK(b[1].code == "y = 2\n");
  CHECK(b[2].lang.empty());
  CHECK(b[3].lang == "text");
  CHECK(!b[4].closed);
  CHECK(b[4].code == "z = [\n");
  CHECK(is_python_block(b[0]));
  CHECK(is_python_block(b[1]));
  CHECK(!is_python_block(b[2]));
  CHECK(is_python_block(b[4]));  // "Python"
  CHECK(extract_code_blocks("no code at all").empty());
}

TEST_CASE("code tokens: layout and comments do not matter, operators and names do") {
  NormalizedWords a, b, c;
  normalize_code_tokens("def f(x):\n    return x+1  # add one\n", a);
  normalize_code_tokens("def  f( x ) :\n\n        return x + 1\n", b);
  normalize_code_tokens("def f(x):\n    return x-1\n", c);
  CHECK(a.text == "def f ( x ) : return x + 0");
  CHECK(a.text == b.text);
  CHECK(a.text != c.text);
  normalize_code_tokens("s = \"Hello, World\" if n >= 10 else '''Doc string'''", a);
  CHECK(a.text == "s = hello world if n >= 0 else doc string");
}

TEST_CASE("python_syntax: a persistent pool of workers, not a process per document") {
  PythonSyntaxPool pool("/usr/bin/python3", 2, 10);
  CHECK(pool.check("def f(x):\n    return x\n").status == PythonSyntaxPool::Result::kOk);
  const auto bad = pool.check("def f(x)\n    return x\n");
  CHECK(bad.status == PythonSyntaxPool::Result::kSyntaxError);
  CHECK(bad.message.starts_with("1:"));
  CHECK(pool.check("return 5\n").status == PythonSyntaxPool::Result::kSyntaxError);  // compile() catches it
  CHECK(pool.check(std::string("x = 1\0", 6)).status == PythonSyntaxPool::Result::kSyntaxError);
  std::atomic<int> ok{0}, syntax{0};
  tbb::parallel_for(0, 400, [&](int i) {
    const auto r = pool.check(i % 2 ? "print('ok %d' % 1)\n" : "if True print(1)\n");
    (r.status == PythonSyntaxPool::Result::kOk ? ok : syntax)++;
  });
  CHECK(ok == 200);
  CHECK(syntax == 200);
  CHECK(pool.processes_started() <= 2);

  auto f = make_with("python_syntax", Settings().set("workers", 2.0));
  CHECK(f->check(exercise_doc(CodeFailure::kNone)).keep());
  CHECK(f->check(exercise_doc(CodeFailure::kSyntaxError)).reason == "syntax_error");
  CHECK(f->check(exercise_doc(CodeFailure::kMissingCodeBlock)).reason == "no_code");
  CHECK_THROWS_WITH(make_with("python_syntax", Settings().set("python", "/no/python")),
                    doctest::Contains("no such file"));
  // A program that is no Python at all: refused up front, not a run that drops everything.
  CHECK_THROWS_WITH(make_with("python_syntax", Settings().set("python", "/bin/true")),
                    doctest::Contains("does not work as a Python syntax checker"));
  CHECK_THROWS_WITH(make_with("exercise_tests", Settings().set("python", "/bin/true")),
                    doctest::Contains("cannot start"));

  auto blocks = make_with("code_blocks");
  CHECK(blocks->check(exercise_doc(CodeFailure::kNone)).keep());
  CHECK(blocks->check(exercise_doc(CodeFailure::kMissingCodeBlock)).reason == "no_code");
  CHECK(blocks->check(text_doc("```python\nx = [1,\n")).reason == "unclosed_fence");
}

TEST_CASE("exercise_tests: each planted failure is dropped with its own reason; nothing escapes") {
  std::printf("network namespace available: %s\n", network_namespace_available() ? "yes" : "no");
  TempDir root;
  auto f = make_with("exercise_tests", Settings().set("cpu_seconds", 1.0).set("wall_seconds", 3.0));
  const std::pair<CodeFailure, std::string_view> cases[] = {
      {CodeFailure::kNone, ""},
      {CodeFailure::kSyntaxError, "syntax_error"},
      {CodeFailure::kFailingAssert, "test_failed"},
      {CodeFailure::kInfiniteLoop, "timeout"},
      {CodeFailure::kMissingCodeBlock, "no_tests"},
      {CodeFailure::kForkBomb, "spawn_attempt"},
      {CodeFailure::kHugeAllocation, "memory_limit"},
      {CodeFailure::kNetwork, "network_attempt"},
      {CodeFailure::kWriteOutside, "write_outside"},
  };
  for (const auto& [failure, reason] : cases)
    for (uint64_t variant = 0; variant < 2; ++variant) {  // the ids pick different variants (loops, syntax)
      const auto doc = exercise_doc(failure, variant ? "fibonacci" : "count_vowels", variant);
      const Verdict v = f->check(doc);
      CHECK_MESSAGE(v.reason == reason, generators::code_failure_name(failure), " ", variant, "\n", doc.text());
    }

  // Straight through the sandbox (the corpus in sandbox_test.cc tries many more routes).
  SandboxLimits l;
  l.cpu_seconds = 1;
  l.wall_seconds = 3;
  const auto passed = run_python_sandboxed(l, "def f():\n    return 1\n", "assert f() == 1\n");
  CHECK_MESSAGE(passed.outcome == SandboxOutcome::kPassed, passed.output);
  CHECK(passed.asserts == 1);
  CHECK(passed.coverage() == 1.0);
  CHECK(run_python_sandboxed(l, "print('x' * 10**6)\n", "").outcome == SandboxOutcome::kOutputLimit);
  CHECK(run_python_sandboxed(l, "import time\ntime.sleep(30)\n", "").outcome == SandboxOutcome::kTimeout);
  CHECK(run_python_sandboxed(l, "import subprocess\nsubprocess.run(['true'])\n", "").outcome ==
        SandboxOutcome::kSpawnAttempt);
  CHECK(run_python_sandboxed(l, "import ctypes\n", "").outcome == SandboxOutcome::kForbidden);
  CHECK(run_python_sandboxed(l, "import os\nos.remove('/etc/hostname')\n", "").outcome ==
        SandboxOutcome::kWriteOutside);
  const auto inside = run_python_sandboxed(l, "def save():\n    open('inside.txt', 'w').write('ok')\n",
                                           "save()\nassert open('inside.txt').read() == 'ok'\n");
  CHECK_MESSAGE(inside.outcome == SandboxOutcome::kPassed, inside.output);
  CHECK(run_python_sandboxed(l, "x = undefined_name\n", "").outcome == SandboxOutcome::kError);
  SandboxLimits missing = l;
  missing.python = "/no/such/python";
  CHECK(run_python_sandboxed(missing, "", "").outcome == SandboxOutcome::kSandboxError);
  // isolation = "none" still names verdicts (rlimits, the audit hook, a network namespace
  // where the kernel allows one), in a host directory it removes afterwards.
  SandboxLimits bare = l;
  bare.isolation = Isolation::kNone;
  bare.workdir_root = root.path();
  CHECK(run_python_sandboxed(bare, "def f():\n    return 1\n", "assert f() == 1\n").outcome == SandboxOutcome::kPassed);
  CHECK(run_python_sandboxed(bare, "import os\nos.fork()\n", "").outcome == SandboxOutcome::kSpawnAttempt);
  if (network_namespace_available()) {
    // Below the audit hook: a raw socket syscall from a C extension would find no network.
    const auto r = run_python_sandboxed(bare, "def net():\n    return open('/proc/net/dev').read()\n",
                                        "assert net().count(':') == 1, 'only lo'\n");
    CHECK_MESSAGE(r.outcome == SandboxOutcome::kPassed, r.output);
  }
  CHECK(std::filesystem::is_empty(root.path()));
}

TEST_CASE("code near-dedup: reformatted copies are dropped, different functions kept") {
  auto f = make_with("minhash", Settings().set("tokens", "code").set("ngram", 5.0));
  auto& ordered = static_cast<OrderedFilter&>(*f);
  const auto a = exercise_doc(CodeFailure::kNone, "binary_search", 0);
  std::string reformatted = a.text();
  for (size_t pos = 0; (pos = reformatted.find("    ", pos)) != std::string::npos; pos += 8)
    reformatted.replace(pos, 4, "        ");  // 8-space indentation
  reformatted += "\n# a closing comment that says nothing\n";
  const auto b = text_doc(reformatted, 1);
  const auto c = exercise_doc(CodeFailure::kNone, "merge_sorted", 2);
  CHECK(ordered.admit(ordered.key(a)).keep());
  CHECK(ordered.admit(ordered.key(b)).reason == "near_duplicate");
  CHECK(ordered.admit(ordered.key(c)).keep());
  CHECK_THROWS_WITH(make_with("minhash", Settings().set("tokens", "chars")), doctest::Contains("tokens"));
}

TEST_CASE("code decontamination: 13-gram overlap with HumanEval/MBPP-style JSONL items") {
  TempDir dir;
  primer::testing::write_file(
      dir / "humaneval.jsonl",
      "{\"task_id\": \"HumanEval/0\", \"prompt\": \"from typing import List\\n\\n\\ndef has_close_elements(numbers: "
      "List[float], threshold: float) -> bool:\\n    \\\"\\\"\\\" Check if in given list of numbers, are any two "
      "numbers closer to each other than\\n    given threshold.\\n    \\\"\\\"\\\"\\n\", \"canonical_solution\": \"    "
      "for idx, elem in enumerate(numbers):\\n        for idx2, elem2 in enumerate(numbers):\\n            if idx != "
      "idx2:\\n                distance = abs(elem - elem2)\\n                if distance < threshold:\\n"
      "                    return True\\n\\n    return False\\n\"}\n"
      "{\"task_id\": 2, \"text\": \"Write a function to find the shared elements from the given two lists.\", "
      "\"code\": \"def similar_elements(a, b):\\n  return tuple(set(a) & set(b))\", \"test_list\": [\"assert "
      "set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\"]}\n");
  auto f = make_with("decontaminate", Settings()
                                          .set("eval_sets", (dir / "humaneval.jsonl").string().c_str())
                                          .set("tokens", "code")
                                          .set("text_field", std::vector<std::string>{"prompt", "canonical_solution",
                                                                                      "text", "code", "test_list"}));
  auto& o = static_cast<OrderedFilter&>(*f);
  // The benchmark's solution, reformatted, inside a lesson: contaminated.
  const auto leaked = text_doc(
      "Here is how to check closeness:\n```python\ndef has_close_elements(numbers, threshold):\n"
      "    for idx, elem in enumerate(numbers):\n        for idx2, elem2 in enumerate(numbers):\n"
      "            if idx != idx2:\n                distance = abs(elem - elem2)\n"
      "                if distance < threshold:\n                    return True\n    return False\n```\n",
      0);
  CHECK(o.admit(o.key(leaked)).reason == "contaminated");
  // The MBPP test line reused verbatim: contaminated too (the array field counts).
  const auto mbpp =
      text_doc("```python\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n```", 1);
  CHECK(o.admit(o.key(mbpp)).reason == "contaminated");
  CHECK(o.admit(o.key(exercise_doc(CodeFailure::kNone, "two_sum_indices", 2))).keep());
  CHECK(o.admit(o.key(exercise_doc(CodeFailure::kNone, "common_elements", 3))).keep());
}
