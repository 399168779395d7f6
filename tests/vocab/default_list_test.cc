// Checks on the bundled vocabulary list vocab/default.txt.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/support/testing.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

bool is_form_of(const Vocabulary& v, std::string_view surface, std::string_view lemma, Pos pos) {
  const int64_t index = v.find(lemma, pos);
  if (index < 0) return false;
  for (uint32_t l : v.lemmas_of(surface))
    if (l == static_cast<uint32_t>(index)) return true;
  return false;
}

TEST_CASE("the bundled list parses and is large enough") {
  const Vocabulary v = Vocabulary::load(testing::source_path("vocab/default.txt"));
  const size_t nouns = v.with_pos(Pos::kNoun).size(), verbs = v.with_pos(Pos::kVerb).size(),
               adjs = v.with_pos(Pos::kAdj).size(), advs = v.with_pos(Pos::kAdv).size(),
               funcs = v.with_pos(Pos::kFunc).size(), names = v.with_pos(Pos::kName).size();
  MESSAGE("nouns " << nouns << ", verbs " << verbs << ", adjectives " << adjs << ", adverbs " << advs
                   << ", function words " << funcs << ", names " << names);
  // About 1,500 content words (the TinyStories vocabulary size).
  CHECK(nouns + verbs + adjs + advs >= 1400);
  CHECK(nouns + verbs + adjs + advs <= 1700);
  CHECK(nouns >= 700);
  CHECK(verbs >= 350);
  CHECK(adjs >= 250);
  CHECK(advs >= 40);
  CHECK(funcs >= 150);
  CHECK(names >= 90);
}

TEST_CASE("irregular forms resolve to their lemma") {
  const Vocabulary& v = testing::default_vocabulary();
  struct Case {
    std::string_view surface, lemma;
    Pos pos;
  };
  // clang-format off
  const Case cases[] = {
      {"went", "go", Pos::kVerb},         {"gone", "go", Pos::kVerb},        {"ran", "run", Pos::kVerb},
      {"running", "run", Pos::kVerb},     {"ate", "eat", Pos::kVerb},        {"eaten", "eat", Pos::kVerb},
      {"saw", "see", Pos::kVerb},         {"thought", "think", Pos::kVerb},  {"caught", "catch", Pos::kVerb},
      {"flew", "fly", Pos::kVerb},        {"flies", "fly", Pos::kVerb},      {"swam", "swim", Pos::kVerb},
      {"swimming", "swim", Pos::kVerb},   {"beginning", "begin", Pos::kVerb}, {"forgetting", "forget", Pos::kVerb},
      {"hid", "hide", Pos::kVerb},        {"hidden", "hide", Pos::kVerb},    {"stood", "stand", Pos::kVerb},
      {"children", "child", Pos::kNoun},  {"mice", "mouse", Pos::kNoun},     {"feet", "foot", Pos::kNoun},
      {"teeth", "tooth", Pos::kNoun},     {"people", "person", Pos::kNoun},  {"leaves", "leaf", Pos::kNoun},
      {"wolves", "wolf", Pos::kNoun},     {"sheep", "sheep", Pos::kNoun},    {"geese", "goose", Pos::kNoun},
      {"better", "good", Pos::kAdj},      {"best", "good", Pos::kAdj},       {"well", "good", Pos::kAdj},
      {"worse", "bad", Pos::kAdj},        {"bigger", "big", Pos::kAdj},      {"biggest", "big", Pos::kAdj},
      {"happily", "happy", Pos::kAdj},    {"happier", "happy", Pos::kAdj},   {"gently", "gentle", Pos::kAdj},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.surface);
    CHECK(is_form_of(v, c.surface, c.lemma, c.pos));
  }
  CHECK(v.is_name("Lily"));
  CHECK(v.is_name("Lily's"));
  CHECK(v.is_name("Tom"));
  CHECK_FALSE(v.is_name("lily"));
  for (std::string_view w : {"don't", "can't", "won't", "didn't", "isn't", "I'm", "it's", "let's", "we'll", "they're",
                             "Tom's", "one", "twenty", "is", "was", "were", "has", "does"}) {
    CAPTURE(w);
    CHECK(v.accepts(w));
  }
}

TEST_CASE("regular rules give correct English for a hand-checked sample") {
  const Vocabulary& v = testing::default_vocabulary();
  struct Case {
    std::string_view lemma;
    Pos pos;
    Form form;
    std::string_view expected;
  };
  // clang-format off
  const Case cases[] = {
      {"dog", Pos::kNoun, Form::kPlural, "dogs"},          {"box", Pos::kNoun, Form::kPlural, "boxes"},
      {"baby", Pos::kNoun, Form::kPlural, "babies"},       {"monkey", Pos::kNoun, Form::kPlural, "monkeys"},
      {"peach", Pos::kNoun, Form::kPlural, "peaches"},     {"potato", Pos::kNoun, Form::kPlural, "potatoes"},
      {"bake", Pos::kVerb, Form::kPast, "baked"},          {"bake", Pos::kVerb, Form::kIng, "baking"},
      {"stop", Pos::kVerb, Form::kPast, "stopped"},        {"hop", Pos::kVerb, Form::kIng, "hopping"},
      {"cry", Pos::kVerb, Form::kPast, "cried"},           {"play", Pos::kVerb, Form::kPast, "played"},
      {"visit", Pos::kVerb, Form::kPast, "visited"},       {"open", Pos::kVerb, Form::kIng, "opening"},
      {"tie", Pos::kVerb, Form::kIng, "tying"},            {"see", Pos::kVerb, Form::kIng, "seeing"},
      {"wash", Pos::kVerb, Form::kThird, "washes"},        {"go", Pos::kVerb, Form::kThird, "goes"},
      {"fix", Pos::kVerb, Form::kPast, "fixed"},           {"yell", Pos::kVerb, Form::kPast, "yelled"},
      {"happy", Pos::kAdj, Form::kComparative, "happier"}, {"big", Pos::kAdj, Form::kComparative, "bigger"},
      {"nice", Pos::kAdj, Form::kSuperlative, "nicest"},   {"quiet", Pos::kAdj, Form::kComparative, "quieter"},
      {"slow", Pos::kAdj, Form::kAdverb, "slowly"},        {"gentle", Pos::kAdj, Form::kAdverb, "gently"},
      {"shy", Pos::kAdj, Form::kAdverb, "shyly"},          {"full", Pos::kAdj, Form::kAdverb, "fully"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.lemma);
    CAPTURE(c.expected);
    const int64_t i = v.find(c.lemma, c.pos);
    REQUIRE(i >= 0);
    CHECK(v.entry(static_cast<uint32_t>(i)).form(c.form) == c.expected);
  }
  // Made-up forms the overrides exist to prevent.
  for (std::string_view w : {"goed", "runned", "childs", "mouses", "foots", "gooder", "badder", "beautifuler", "redly",
                             "bigly", "eated", "catched", "swimed", "musics", "funs"}) {
    CAPTURE(w);
    CHECK_FALSE(v.accepts(w));
  }
}

TEST_CASE("categories are from the documented set, and every content word has one") {
  const Vocabulary& v = testing::default_vocabulary();
  const std::set<std::string> noun_cats = {"animal",  "person",   "place",  "food",   "toy",  "object",
                                           "clothes", "vehicle",  "nature", "ground", "body", "weather",
                                           "time",    "abstract", "mass",   "in",     "on"};
  const std::set<std::string> verb_cats = {"intr", "tr", "watch", "noise", "weather"};
  const std::set<std::string> adj_cats = {"feel", "person", "taste", "weather"};
  const std::set<std::string> name_cats = {"girl", "boy"};
  for (const Entry& e : v.entries()) {
    CAPTURE(e.lemma);
    const std::set<std::string>* allowed = nullptr;
    switch (e.pos) {
      case Pos::kNoun:
        allowed = &noun_cats;
        CHECK_FALSE(e.categories.empty());
        break;
      case Pos::kVerb:
        allowed = &verb_cats;
        CHECK_FALSE(e.categories.empty());
        break;
      case Pos::kAdj: allowed = &adj_cats; break;
      case Pos::kName:
        allowed = &name_cats;
        CHECK(e.categories.size() == 1);
        break;
      default: CHECK(e.categories.empty()); break;
    }
    if (allowed)
      for (const auto& c : e.categories) CHECK(allowed->count(c) == 1);
  }
}

TEST_CASE("the list and its selection are alphabetical within each section") {
  for (const char* file : {"vocab/default.txt", "vocab/selection.txt"}) {
    CAPTURE(file);
    const std::string text = testing::read_file(testing::source_path(file));
    std::string section, previous;
    size_t sections = 0;
    bool ordered = true;
    for_each_line(text, [&](std::string_view view, size_t line_no) {
      const std::string line(view);
      if (line.rfind("# ----", 0) == 0) {
        section = line;
        ordered = line.find("not alphabetical") == std::string::npos;
        previous.clear();
        ++sections;
        return;
      }
      if (line.empty() || line[0] == '#' || !ordered) return;
      std::string lemma = line.substr(0, line.find(' '));
      for (char& c : lemma)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      CAPTURE(line_no);
      CAPTURE(section);
      CHECK(previous < lemma);
      previous = lemma;
    });
    CHECK(sections >= 15);
  }
}

}  // namespace
}  // namespace primer::vocab
