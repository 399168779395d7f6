// kind = "recipe": slots from files, inline values and vocabularies; the cover set;
// reproducibility; every error a recipe's files can have.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "base/rng.h"
#include "prompts/recipe.h"
#include "prompts/sampler.h"
#include "tests/support/testing.h"

using namespace primer::prompts;
using primer::testing::TempDir;
using primer::testing::write_file;

namespace {

// A recipe with a topic file, inline audiences and a required noun from `words.txt`.
struct Recipe {
  TempDir dir;
  RecipeOptions options;
  Recipe(const std::string& tmpl = "Teach {topic} to {audience} using the word {word}.",
         const std::string& topics = "# topics\nfractions\n\nvolcanoes\nmagnets\n") {
    write_file(dir / "t.txt", tmpl);
    write_file(dir / "topics.txt", topics);
    write_file(dir / "words.txt", "dog noun\ncat noun\nball noun\nrun verb\nred adj\nthe func\n");
    options.template_path = dir / "t.txt";
    SlotSpec topic;
    topic.name = "topic";
    topic.file = dir / "topics.txt";
    SlotSpec audience;
    audience.name = "audience";
    audience.values = {"children", "adults"};
    SlotSpec word;
    word.name = "word";
    word.vocab = dir / "words.txt";
    word.pos = primer::vocab::Pos::kNoun;
    word.require = true;
    options.slots = {topic, audience, word};
  }
  SlotSpec& slot(const std::string& name) {
    for (auto& s : options.slots)
      if (s.name == name) return s;
    throw std::logic_error(name);
  }
};

std::string value(const PromptSpec& p, const std::string& name) {
  for (const auto& [n, v] : p.slots)
    if (n == name) return v;
  return "?";
}

}  // namespace

TEST_CASE("a recipe prompt fills every slot in declared order and renders the template") {
  Recipe r;
  const RecipeSampler s(r.options, "recipe");
  const PromptSpec p = s.sample(7, 3);
  CHECK(p.kind == "recipe");
  CHECK(p.index == 3);
  CHECK(p.id == primer::base::prompt_id(7, 3));
  REQUIRE(p.slots.size() == 3);
  CHECK(p.slots[0].first == "topic");
  CHECK(p.slots[1].first == "audience");
  CHECK(p.slots[2].first == "word");
  CHECK(std::set<std::string>{"fractions", "volcanoes", "magnets"}.count(value(p, "topic")));
  CHECK(std::set<std::string>{"dog", "cat", "ball"}.count(value(p, "word")));
  CHECK(p.required == std::vector<std::string>{value(p, "word")});
  CHECK(p.text ==
        "Teach " + value(p, "topic") + " to " + value(p, "audience") + " using the word " + value(p, "word") + ".");
  // A pure function of (seed, index): a second sampler agrees, another seed differs somewhere.
  const RecipeSampler again(r.options, "recipe");
  bool differs = false;
  for (uint64_t i = 0; i < 50; ++i) {
    CHECK(again.sample(7, i).text == s.sample(7, i).text);
    differs |= s.sample(8, i).text != s.sample(7, i).text;
  }
  CHECK(differs);
}

TEST_CASE("the cover set: every combination once per pass, a different shuffle each pass") {
  Recipe r;
  r.options.cover = {"topic", "audience"};
  const RecipeSampler s(r.options, "recipe");
  CHECK(s.cover_size() == 6);
  std::vector<std::string> passes[3];
  for (uint64_t pass = 0; pass < 3; ++pass) {
    std::set<std::pair<std::string, std::string>> pairs;
    for (uint64_t i = pass * 6; i < pass * 6 + 6; ++i) {
      const PromptSpec p = s.sample(11, i);
      pairs.emplace(value(p, "topic"), value(p, "audience"));
      passes[pass].push_back(value(p, "topic") + "/" + value(p, "audience"));
    }
    CHECK(pairs.size() == 6);
  }
  CHECK((passes[0] != passes[1] || passes[1] != passes[2]));
}

TEST_CASE("cover_position is a bijection of [0, n) for every pass") {
  for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 16ull, 17ull, 100ull, 1000ull}) {
    CAPTURE(n);
    for (uint64_t pass = 0; pass < 3; ++pass) {
      std::set<uint64_t> seen;
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t c = cover_position(5, pass * n + i, n);
        CHECK(c < n);
        seen.insert(c);
      }
      CHECK(seen.size() == n);
    }
  }
  // Not the identity (a shuffle), and seed-dependent.
  bool shuffled = false, seeded = false;
  for (uint64_t i = 0; i < 100; ++i) {
    shuffled |= cover_position(5, i, 100) != i;
    seeded |= cover_position(5, i, 100) != cover_position(6, i, 100);
  }
  CHECK(shuffled);
  CHECK(seeded);
}

TEST_CASE("weights from a file's TAB column and from weights = [...] shape the draws") {
  Recipe r("Teach {topic} to {audience} using the word {word}.", "fractions\t3\nvolcanoes\t1\n");
  r.slot("audience").weights = {1, 4};
  const RecipeSampler s(r.options, "recipe");
  std::map<std::string, int> topics, audiences;
  for (uint64_t i = 0; i < 8000; ++i) {
    const PromptSpec p = s.sample(1, i);
    ++topics[value(p, "topic")];
    ++audiences[value(p, "audience")];
  }
  CHECK(topics["fractions"] == doctest::Approx(6000).epsilon(0.05));
  CHECK(audiences["adults"] == doctest::Approx(6400).epsilon(0.05));
}

TEST_CASE("a vocab slot draws count distinct lemmas of its part of speech, joined") {
  Recipe r("Use {word} about {topic} for {audience}.");
  r.slot("word").count = 3;
  r.slot("word").join = " + ";
  const RecipeSampler s(r.options, "recipe");
  for (uint64_t i = 0; i < 100; ++i) {
    const PromptSpec p = s.sample(2, i);
    REQUIRE(p.required.size() == 3);
    CHECK(std::set<std::string>(p.required.begin(), p.required.end()) == std::set<std::string>{"dog", "cat", "ball"});
    CHECK(value(p, "word") == p.required[0] + " + " + p.required[1] + " + " + p.required[2]);
  }
  r.slot("word").count = 4;
  CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"), doctest::Contains("fewer than count = 4"), PromptError);
}

TEST_CASE("literal braces: {{ and }} in a recipe template") {
  Recipe r("Reply as JSON {{\"title\": ...}} about {topic} for {audience} with {word}.");
  const RecipeSampler s(r.options, "recipe");
  CHECK(s.sample(1, 0).text.starts_with("Reply as JSON {\"title\": ...} about "));
}

TEST_CASE("recipe errors name the file and the slot") {
  SUBCASE("a placeholder that is not a slot") {
    Recipe r("Teach {topic} to {audience} with {word} in {style}.");
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"),
                         doctest::Contains("t.txt: placeholder {style} is not a declared slot"), PromptError);
  }
  SUBCASE("a slot the template never uses") {
    Recipe r("Teach {topic} with {word}.");
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"),
                         doctest::Contains("t.txt: slot 'audience' ([prompts.slots.audience]) is never used"),
                         PromptError);
  }
  SUBCASE("a slot file with no values") {
    Recipe r("Teach {topic} to {audience} with {word}.", "# nothing\n\n   \n");
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"),
                         doctest::Contains("topics.txt: the slot file has no values"), PromptError);
  }
  SUBCASE("a bad weight") {
    Recipe r("Teach {topic} to {audience} with {word}.", "fractions\t2\nvolcanoes\tmany\n");
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"),
                         doctest::Contains("topics.txt:2: weight 'many' is not a positive number"), PromptError);
    Recipe z("Teach {topic} to {audience} with {word}.", "fractions\t0\n");
    CHECK_THROWS_WITH_AS(RecipeSampler(z.options, "recipe"), doctest::Contains("topics.txt:1: weight '0'"),
                         PromptError);
  }
  SUBCASE("weights that do not match the values") {
    Recipe r;
    r.slot("audience").weights = {1, 2, 3};
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"),
                         doctest::Contains("prompts.slots.audience.weights has 3 numbers for 2 values"), PromptError);
  }
  SUBCASE("a cover slot that draws from a vocabulary") {
    Recipe r;
    r.options.cover = {"word"};
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"), doctest::Contains("'word' draws from a vocabulary"),
                         PromptError);
  }
  SUBCASE("a missing slot file") {
    Recipe r;
    r.slot("topic").file = r.dir / "nope.txt";
    CHECK_THROWS_WITH_AS(RecipeSampler(r.options, "recipe"), doctest::Contains("cannot read slot file"), PromptError);
  }
}

TEST_CASE("recipe is a registered kind with its own reply shape") {
  CHECK(reply_shape("recipe") == ReplyShape::kRecipe);
  Recipe r;
  SamplerOptions o;
  o.kind = "recipe";
  o.template_path = r.options.template_path;
  o.recipe = r.options;
  const auto s = make_sampler(o, primer::testing::default_vocabulary());
  CHECK(s->sample(1, 0).slots.size() == 3);
}
