// The code prompt banks and samplers: sizes, determinism, no repeated combinations before
// all are used, near-uniform coverage over 10,000 prompts (reported), and tinystories
// through make_sampler unchanged.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>

#include "base/rng.h"
#include "prompts/code.h"
#include "prompts/sampler.h"
#include "tests/support/testing.h"

using namespace primer::prompts;
namespace base = primer::base;

namespace {
std::unique_ptr<PromptSampler> sampler(const std::string& kind) {
  SamplerOptions o;
  o.kind = kind;
  o.template_path = primer::testing::source_path(default_template(kind).string());
  return make_sampler(o, primer::testing::default_vocabulary());
}
}  // namespace

TEST_CASE("the banks: at least 200 topics in a tree, 4 audiences, 4 styles, tasks for every area") {
  CHECK(code_topics().size() >= 200);
  CHECK(code_audiences().size() == 4);
  CHECK(code_styles().size() == 4);
  CHECK(code_difficulties().size() == 3);
  std::set<std::string> titles, names;
  std::map<std::string_view, int> topics_per_area, tasks_per_area;
  for (const auto& t : code_topics()) {
    CHECK(titles.insert(topic_label(t)).second);
    REQUIRE(t.area < code_areas().size());
    ++topics_per_area[code_areas()[t.area].key];
  }
  for (const auto& t : exercise_tasks()) {
    ++tasks_per_area[t.area];
    for (auto n : t.names) {
      CHECK_MESSAGE(names.insert(std::string(n)).second, n);
      CHECK(find_exercise_task(n) == &t);
    }
  }
  for (const auto& a : code_areas()) {
    CHECK_MESSAGE(topics_per_area[a.key] >= 8, a.key);
    CHECK_MESSAGE(tasks_per_area[a.key] >= 2, a.key);
  }
  CHECK(find_exercise_task("no_such_function") == nullptr);
  // Instructions differ in substance, not only in the label.
  std::set<std::string_view> instructions;
  for (const auto& r : code_audiences()) CHECK(instructions.insert(r.instructions).second);
  for (const auto& r : code_styles()) CHECK(instructions.insert(r.instructions).second);
}

TEST_CASE("permute_index is a bijection of [0, n)") {
  for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 64ull, 657ull, 3504ull}) {
    std::set<uint64_t> seen;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t p = permute_index(i, n, 12345);
      CHECK(p < n);
      seen.insert(p);
    }
    CHECK(seen.size() == n);
  }
  CHECK(permute_index(5, 100, 1) != permute_index(5, 100, 2));  // keyed
}

TEST_CASE("codetextbook prompts: deterministic per id, every combination once before any repeats") {
  const auto s = sampler("codetextbook");
  const uint64_t combos = CodeTextbookSampler::combinations();
  CHECK(combos == code_topics().size() * 16);
  std::set<std::string> seen;
  for (uint64_t i = 0; i < combos; ++i) {
    const PromptSpec p = s->sample(7, i);
    CHECK(p.id == base::prompt_id(7, i));
    CHECK(p.kind == "codetextbook");
    CHECK_MESSAGE(seen.insert(p.topic + "|" + p.audience + "|" + p.style).second, i);
  }
  CHECK(seen.size() == combos);
  // A pure function of (seed, index): sampling out of order gives the same prompt.
  const PromptSpec a = s->sample(7, 4321), b = s->sample(7, 4321);
  CHECK(a.text == b.text);
  CHECK(s->sample(8, 4321).text != a.text);
  // The prompt carries the instructions of its audience and style, not just labels.
  for (const auto& r : code_audiences())
    if (r.key == a.audience) CHECK(a.text.find(r.instructions) != std::string::npos);
  for (const auto& r : code_styles())
    if (r.key == a.style) CHECK(a.text.find(r.instructions) != std::string::npos);
  CHECK(a.text.find(a.topic) != std::string::npos);
  CHECK(a.text.find("```python") != std::string::npos);
}

TEST_CASE("coverage of topic x audience x style over 10,000 prompts is near-uniform (reported)") {
  const auto s = sampler("codetextbook");
  const CodeCoverage c = code_coverage(*s, 1, 10000);
  std::printf("codetextbook coverage (seed 1):\n%s", c.report().c_str());
  const double per_combo = 10000.0 / double(c.combinations);
  CHECK(c.combination.max <= uint64_t(per_combo) + 1);  // never more than one above the floor
  CHECK(c.combination.min >= uint64_t(per_combo));
  CHECK(c.topic.distinct == code_topics().size());
  CHECK(c.topic.max - c.topic.min <= 1);  // every block of |topics| prompts covers each topic once
  for (const auto* m : {&c.audiences, &c.styles}) {
    REQUIRE(m->size() == 4);
    for (const auto& [k, n] : *m) CHECK_MESSAGE(std::abs(double(n) - 2500.0) <= 25.0, k);  // within 1%
  }
}

TEST_CASE("codeexercises prompts: a task of the topic's area, a signature, difficulty, uniform coverage") {
  const auto s = sampler("codeexercises");
  std::map<std::string, int> functions;
  for (uint64_t i = 0; i < 3000; ++i) {
    const PromptSpec p = s->sample(3, i);
    CHECK(p.kind == "codeexercises");
    const ExerciseTask* t = find_exercise_task(p.function_name);
    REQUIRE(t != nullptr);
    std::string area_title;
    for (const auto& a : code_areas())
      if (a.key == t->area) area_title = a.title;
    CHECK_MESSAGE(p.topic.starts_with(area_title + " > "), p.topic);
    CHECK(p.text.find("def " + p.function_name + "(" + std::string(t->params) + ") -> ") != std::string::npos);
    CHECK(p.text.find(t->description) != std::string::npos);
    CHECK((p.difficulty == "easy" || p.difficulty == "medium" || p.difficulty == "hard"));
    ++functions[p.function_name];
  }
  CHECK(functions.size() > 150);  // most of the 189 names appear
  const CodeCoverage c = code_coverage(*s, 3, 10000);
  std::printf("codeexercises coverage (seed 3):\n%s", c.report().c_str());
  CHECK(c.combination.max <= 10000 / c.combinations + 1);
  CHECK(c.topic.max - c.topic.min <= 1);
  for (const auto& [k, n] : c.difficulties) CHECK_MESSAGE(std::abs(double(n) - 10000.0 / 3) <= 34, k);  // 1%
}

TEST_CASE("make_sampler: tinystories is the TinyStoriesSampler, unknown kinds and bad templates are errors") {
  const auto& vocab = primer::testing::default_vocabulary();
  const auto s = sampler("tinystories");
  TinyStoriesSampler direct(
      vocab,
      PromptTemplate::load(primer::testing::source_path("prompts/tinystories.txt"), TinyStoriesSampler::placeholders()),
      TinyStoriesOptions{0.35});
  for (uint64_t i = 0; i < 200; ++i) {
    const PromptSpec a = s->sample(5, i), b = direct.sample(5, i);
    CHECK(a.text == b.text);
    CHECK(a.id == b.id);
    CHECK(a.topic.empty());
  }
  CHECK(s->title() == "TinyStories-style stories");
  SamplerOptions o;
  o.kind = "poems";
  CHECK_THROWS_WITH_AS(make_sampler(o, vocab), doctest::Contains("unknown prompt kind 'poems'"), PromptError);
  // A code template with a story placeholder fails at load time.
  primer::testing::TempDir dir;
  primer::testing::write_file(dir / "t.txt", "Write about {topic} with the verb {verb}.");
  o.kind = "codetextbook";
  o.template_path = dir / "t.txt";
  CHECK_THROWS_WITH_AS(make_sampler(o, vocab), doctest::Contains("unknown placeholder {verb}"), PromptError);
  const auto kinds = sampler_kinds();
  CHECK(kinds == std::vector<std::string_view>{"tinystories", "tinystories-instruct", "codetextbook", "codeexercises",
                                               "recipe"});
}
