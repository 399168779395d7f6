// The built-in teacher's lessons and exercises. Task implementations are data (solution
// body + assert cases, {f} standing for the function name, in builtin_code_banks.h); the
// writers here assemble replies whose prose depends on audience, style and difficulty.
#include "generators/builtin_code.h"

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/rng.h"
#include "generators/builtin_code_banks.h"
#include "prompts/code.h"
#include "prompts/sampler.h"

namespace primer::generators {
namespace {

using base::Rng;

// The data (task implementations, prose banks by audience): builtin_code_banks.h.
using namespace code_banks;

const TaskImpl* impl_of(std::string_view key) {
  for (const auto& t : kImpls)
    if (t.key == key) return &t;
  return nullptr;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size() + 32);
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string_view::npos; pos = hit + from.size())
    out.append(s.substr(pos, hit - pos)).append(to);
  out.append(s.substr(pos));
  return out;
}

std::vector<std::string> cases_of(const TaskImpl& impl, std::string_view name) {
  std::vector<std::string> out;
  for (auto c : impl.cases)
    if (!c.empty()) out.push_back(replace_all(c, "{f}", name));
  return out;
}

// The solution block: imports, helpers, the function with its docstring; `prelude` goes
// right after the docstring (planted failures use it).
std::string solution_code(const prompts::ExerciseTask& task, const TaskImpl& impl, std::string_view name,
                          std::string_view extra_imports = {}, std::string_view prelude = {}) {
  std::string s;
  if (!extra_imports.empty() || !impl.imports.empty()) {
    s.append(extra_imports).append(impl.imports);
    s += "\n\n";
  }
  s.append(impl.helpers);
  if (!impl.helpers.empty()) s += "\n";
  s.append("def ").append(name).append("(").append(task.params).append(") -> ").append(task.returns).append(":\n");
  s.append("    \"\"\"").append(task.description).append("\"\"\"\n");
  s.append(prelude);
  s += replace_all(impl.body, "{f}", name);
  return s;
}

std::string fenced(std::string_view code, std::string_view lang = "python") {
  std::string s = "```";
  s.append(lang).append("\n").append(code);
  if (!code.empty() && code.back() != '\n') s += '\n';
  s += "```";
  return s;
}

// A call and what print() shows for it, from a case like `f(2) == 4`.
struct Demo {
  std::string call;
  std::optional<std::string> printed;
};

std::optional<std::string> printed_literal(std::string_view lit, bool float_result) {
  if (lit.empty()) return std::nullopt;
  if (lit == "True" || lit == "False" || lit == "None") return std::string(lit);
  const bool numeric = lit.find_first_not_of("-0123456789.") == std::string_view::npos;
  if (numeric) {
    if (float_result && lit.find('.') == std::string_view::npos) return std::nullopt;  // prints 32.0
    return std::string(lit);
  }
  if (lit.front() == '"' && lit.back() == '"' && lit.size() >= 2) {
    const std::string_view inner = lit.substr(1, lit.size() - 2);
    if (inner.find_first_of("\"\\'") != std::string_view::npos) return std::nullopt;
    return std::string(inner);
  }
  if (lit.front() == '[' || lit.front() == '(' || lit.front() == '{') {
    if (lit.find_first_of("'\\") != std::string_view::npos || lit.find('(', 1) != std::string_view::npos)
      return std::nullopt;
    if (float_result) return std::nullopt;
    return replace_all(lit, "\"", "'");
  }
  return std::nullopt;
}

std::optional<Demo> demo_of(std::string_view c, std::string_view name, bool float_result) {
  Demo d;
  std::string_view call = c, lit;
  bool negated = false;
  if (call.starts_with("not ")) {
    negated = true;
    call.remove_prefix(4);
  }
  if (const size_t eq = call.find(" == "); eq != std::string_view::npos) {
    lit = call.substr(eq + 4);
    call = call.substr(0, eq);
  } else if (call.ends_with(" is None")) {
    lit = "None";
    call.remove_suffix(8);
  } else {
    lit = negated ? "False" : "True";
  }
  if (negated && lit != "False") return std::nullopt;
  if (!call.starts_with(name) || call.size() <= name.size() || call[name.size()] != '(' || call.back() != ')' ||
      call.find(name, 1) != std::string_view::npos)
    return std::nullopt;
  d.call = std::string(call);
  d.printed = printed_literal(lit, float_result);
  return d;
}

// Up to `n` demos, those whose output is known first.
std::vector<Demo> demos(const TaskImpl& impl, const prompts::ExerciseTask& task, std::string_view name, size_t n) {
  const bool float_result = task.returns.find("float") != std::string_view::npos;
  std::vector<Demo> known, unknown;
  for (const auto& c : cases_of(impl, name))
    if (auto d = demo_of(c, name, float_result)) (d->printed ? known : unknown).push_back(std::move(*d));
  if (known.size() > n) known.resize(n);
  if (known.empty() && !unknown.empty()) known.push_back(unknown.front());
  return known;
}

// The failures, as edits of a clean solution or test block.
std::string break_syntax(std::string code, Rng& rng) {
  const size_t def = code.find("\ndef ") != std::string::npos ? code.find("\ndef ") + 1 : code.find("def ");
  if (rng.chance(0.5)) {
    const size_t colon = code.find(":\n", def);  // the end of the def line
    if (colon != std::string::npos) code.erase(colon, 1);
  } else {
    const size_t doc = code.find("\"\"\"", code.find("\"\"\"", def) + 3);  // the docstring's closing quotes
    if (doc != std::string::npos) code.erase(doc, 3);
  }
  return code;
}

std::string_view area_key_of_topic(std::string_view topic) {
  for (const auto& a : prompts::code_areas())
    if (topic.starts_with(a.title) && topic.substr(a.title.size()).starts_with(" > ")) return a.key;
  return prompts::code_areas().front().key;
}

const prompts::ExerciseTask& task_for_area(std::string_view area, Rng& rng) {
  std::vector<const prompts::ExerciseTask*> tasks;
  for (const auto& t : prompts::exercise_tasks())
    if (t.area == area) tasks.push_back(&t);
  if (tasks.empty()) return prompts::exercise_tasks().front();
  return *tasks[rng.below(tasks.size())];
}

std::string sentence_case(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string lower_first(std::string_view s) {
  std::string out(s);
  if (out.size() > 1 && out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

const AudienceProse& prose_for(std::string_view audience) {
  for (const auto& a : kAudienceProse)
    if (a.key == audience) return a;
  return kAudienceProse[1];
}

std::string fill(std::string_view tmpl, std::string_view title, std::string_view name) {
  return replace_all(replace_all(tmpl, "{title}", title), "{name}", name);
}

}  // namespace

std::string_view code_failure_name(CodeFailure f) {
  switch (f) {
    case CodeFailure::kNone: return "none";
    case CodeFailure::kSyntaxError: return "syntax_error";
    case CodeFailure::kFailingAssert: return "failing_assert";
    case CodeFailure::kInfiniteLoop: return "infinite_loop";
    case CodeFailure::kMissingCodeBlock: return "missing_code_block";
    case CodeFailure::kForkBomb: return "fork_bomb";
    case CodeFailure::kHugeAllocation: return "huge_allocation";
    case CodeFailure::kNetwork: return "network";
    case CodeFailure::kWriteOutside: return "write_outside";
  }
  return "none";
}

void check_code_tasks() {
  std::string missing;
  for (const auto& t : prompts::exercise_tasks())
    if (!impl_of(t.key)) missing += (missing.empty() ? "" : ", ") + std::string(t.key);
  if (!missing.empty())
    throw std::invalid_argument("builtin teacher: no implementation of exercise task(s) " + missing);
}

CodeFailure planned_failure(const base::PromptSpec& p, const CodeOptions& o) {
  Rng rng(p.id, "code-noise");
  const double u = rng.uniform();
  const bool exercise = prompts::reply_shape(p.kind) == prompts::ReplyShape::kExercise;
  if (exercise && u < o.hostile) return static_cast<CodeFailure>(5 + rng.below(4));
  if (u < o.hostile + o.noise) {
    if (!exercise) return rng.chance(0.5) ? CodeFailure::kSyntaxError : CodeFailure::kMissingCodeBlock;
    return static_cast<CodeFailure>(1 + rng.below(4));
  }
  return CodeFailure::kNone;
}

base::Reply write_code_reply(const base::PromptSpec& p, const CodeOptions& o) {
  const CodeFailure f = planned_failure(p, o);
  return prompts::reply_shape(p.kind) == prompts::ReplyShape::kExercise ? write_exercise(p, f) : write_lesson(p, f);
}

base::Reply write_exercise(const base::PromptSpec& p, CodeFailure failure) {
  const prompts::ExerciseTask* task = prompts::find_exercise_task(p.function_name);
  if (!task) throw std::invalid_argument("builtin teacher: no exercise task named '" + p.function_name + "'");
  const TaskImpl& impl = *impl_of(task->key);
  const std::string_view name = p.function_name;
  Rng rng(p.id, "exercise-reply");

  std::string extra_imports, prelude, test_prefix;
  std::vector<std::string> cases = cases_of(impl, name);
  if (p.difficulty == "easy" && cases.size() > 4) cases.resize(4);
  switch (failure) {
    case CodeFailure::kFailingAssert: {
      // A wrong expected value (off by one), or a case asserted the wrong way round.
      std::string& c = cases[rng.below(cases.size())];
      const size_t eq = c.rfind(" == ");
      const std::string lit = eq == std::string::npos ? "" : c.substr(eq + 4);
      if (!lit.empty() && lit.find_first_not_of("-0123456789") == std::string::npos && lit != "-")
        c = c.substr(0, eq + 4) + std::to_string(std::stoll(lit) + 1);
      else c = "not (" + c + ")";
      break;
    }
    case CodeFailure::kInfiniteLoop:
      prelude = rng.chance(0.5) ? "    attempts = 0\n    while attempts < 3:\n        result = None  # retry\n"
                                : "    import time\n    ready = False\n    while not ready:\n        time.sleep(0.2)\n";
      break;
    case CodeFailure::kForkBomb: test_prefix = "import os\n\nwhile True:\n    os.fork()\n\n"; break;
    case CodeFailure::kHugeAllocation: prelude = "    scratch = bytearray(4 * 1024 ** 3)  # working buffer\n"; break;
    case CodeFailure::kNetwork:
      extra_imports = "import socket\n";
      prelude = "    socket.create_connection((\"pypi.org\", 443), timeout=3).close()  # check connectivity\n";
      break;
    case CodeFailure::kWriteOutside:
      test_prefix =
          "import os\n\nwith open(os.path.join(os.path.dirname(os.getcwd()), \"escaped.txt\"), \"w\") as log:\n"
          "    log.write(\"escaped\")\n\n";
      break;
    default: break;
  }
  std::string solution = solution_code(*task, impl, name, extra_imports, prelude);
  if (failure == CodeFailure::kSyntaxError) solution = break_syntax(std::move(solution), rng);
  std::string tests = test_prefix;
  for (const auto& c : cases) tests.append("assert ").append(c).append("\n");

  static constexpr std::string_view kSolutionIntro[] = {
      "Here is a solution.", "One way to write `{name}`:", "The function below solves the exercise.",
      "A straightforward implementation of `{name}`:"};
  static constexpr std::string_view kTestsIntro[] = {
      "Tests, as plain asserts (they cover the edge cases too):", "And the tests:",
      "These asserts check typical inputs and edge cases:", "To check it, run these asserts after the solution:"};
  base::Reply reply;
  std::string& t = reply.text;
  t = fill(kSolutionIntro[rng.below(std::size(kSolutionIntro))], "", name);
  if (p.difficulty == "hard") t += " It runs in time linear in the size of its input (or better) for these cases.";
  t += "\n\n";
  if (failure == CodeFailure::kMissingCodeBlock) {
    // The code as plain prose lines: no fences to extract.
    for (std::string_view rest = solution; !rest.empty();) {
      const size_t eol = std::min(rest.find('\n'), rest.size());
      t.append("    ").append(rest.substr(0, eol)).append("\n");
      rest.remove_prefix(std::min(eol + 1, rest.size()));
    }
    t += "\n";
    t += kTestsIntro[rng.below(std::size(kTestsIntro))];
    t += "\n\n" + tests;
  } else {
    t += fenced(solution);
    t += "\n\n";
    t += kTestsIntro[rng.below(std::size(kTestsIntro))];
    t += "\n\n" + fenced(tests);
  }
  t += "\n";
  reply.usage.prompt_tokens = static_cast<uint32_t>(p.text.size() / 4);
  reply.usage.completion_tokens = static_cast<uint32_t>(t.size() / 4);
  return reply;
}

base::Reply write_lesson(const base::PromptSpec& p, CodeFailure failure) {
  Rng rng(p.id, "lesson");
  const std::string_view area = area_key_of_topic(p.topic);
  const prompts::ExerciseTask& task = task_for_area(area, rng);
  const TaskImpl& impl = *impl_of(task.key);
  const std::string name(task.names[rng.below(task.names.size())]);
  const std::string_view title_full = p.topic.find(" > ") != std::string::npos
                                          ? std::string_view(p.topic).substr(p.topic.find(" > ") + 3)
                                          : std::string_view(p.topic);
  const std::string title(title_full);
  const AudienceProse& prose = prose_for(p.audience);
  const std::string intro = sentence_case(fill(prose.intro[rng.below(prose.intro.size())], title, name));
  const std::string explain = fill(prose.explain[rng.below(prose.explain.size())], title, name);

  std::string solution = solution_code(task, impl, name);
  if (failure == CodeFailure::kSyntaxError) solution = break_syntax(std::move(solution), rng);
  const std::vector<Demo> ds = demos(impl, task, name, 3);
  std::string demo_code, output;
  bool all_known = !ds.empty();
  for (const auto& d : ds) {
    demo_code.append("print(").append(d.call).append(")\n");
    if (d.printed) output.append(*d.printed).append("\n");
    else all_known = false;
  }
  const auto block = [&](std::string_view code, std::string_view lang = "python") {
    if (failure != CodeFailure::kMissingCodeBlock) return fenced(code, lang);
    std::string s;  // the failure: code pasted as plain lines, no fences
    for (std::string_view rest = code; !rest.empty();) {
      const size_t eol = std::min(rest.find('\n'), rest.size());
      s.append(rest.substr(0, eol)).append("\n");
      rest.remove_prefix(std::min(eol + 1, rest.size()));
    }
    if (!s.empty()) s.pop_back();
    return s;
  };
  const std::string task_sentence = lower_first(task.description);

  base::Reply reply;
  std::string& t = reply.text;
  if (p.style == "worked_example") {
    t += "### Worked example: " + title + "\n\n" + intro + "\n\n";
    t += "**Problem.** Write a function `" + name + "` that should " + task_sentence + "\n\n";
    t += "**Step 1.** Decide the inputs and the output: `" + name + "(" + std::string(task.params) + ")` returns a `" +
         std::string(task.returns) + "`.\n\n";
    t += "**Step 2.** Write the function:\n\n" + block(solution) + "\n\n";
    t += "**Step 3.** Try it on a few inputs:\n\n" + block(demo_code) + "\n\n";
    if (all_known) t += "This prints:\n\n" + block(output, "text") + "\n\n";
    t += "**Check by hand.** " + explain;
    if (!ds.empty() && ds.front().printed)
      t += " For `" + ds.front().call + "` we expect `" + *ds.front().printed + "`, and that is what we get.";
    t += "\n";
  } else if (p.style == "tutorial") {
    t += "# Tutorial: " + title + "\n\n" + intro + " In this tutorial you will write `" + name + "`.\n\n";
    t += "Create a file called `" + name + ".py` and type this:\n\n" + block(solution + "\n\n" + demo_code) + "\n\n";
    t += "Now run it with `python3 " + name + ".py`.";
    if (all_known) t += " You should see:\n\n" + block(output, "text") + "\n\n";
    else t += "\n\n";
    t += explain + "\n\n";
    t += "**Try it yourself:** change the inputs in the `print` lines and predict the output before you run the "
         "program again. " +
         std::string(prose.edge) + "\n";
  } else if (p.style == "qa") {
    t += "## " + title + ": questions and answers\n\n" + intro + "\n\n";
    t += "**Q: What problem are we solving?**\n\nA: We want a function `" + name + "` that should " + task_sentence +
         "\n\n";
    t += "**Q: How do we write it in Python?**\n\nA: Like this:\n\n" + block(solution) + "\n\n";
    t += "**Q: How do I use it?**\n\nA: Call it and print the result:\n\n" + block(demo_code) + "\n\n";
    if (all_known) t += "The output is:\n\n" + block(output, "text") + "\n\n";
    t += "**Q: Why does it work?**\n\nA: " + explain + "\n\n";
    t += "**Q: What about edge cases?**\n\nA: " + std::string(prose.edge) + "\n";
  } else {  // narrative_textbook
    t += "## " + title + "\n\n" + intro + "\n\n";
    t += "Consider a concrete task: we want a function `" + name + "` that should " + task_sentence +
         " The whole program is short:\n\n" + block(solution + "\n\n" + demo_code) + "\n\n";
    if (all_known) t += "Running it prints:\n\n" + block(output, "text") + "\n\n";
    t += explain + " " + std::string(prose.edge) + "\n\n";
    t += "**Summary.**\n\n- `" + name + "` shows " + lower_first(title) +
         " in a few lines.\n- Functions return "
         "values; the caller prints them.\n- Test the edge cases as well as the typical ones.\n";
  }
  reply.usage.prompt_tokens = static_cast<uint32_t>(p.text.size() / 4);
  reply.usage.completion_tokens = static_cast<uint32_t>(t.size() / 4);
  return reply;
}

}  // namespace primer::generators
