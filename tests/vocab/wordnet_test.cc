// The bundled list against WordNet (package wordnet-base): every content word is a real
// English word with its tagged part of speech, and vocab/default.txt is exactly what
// `primer vocab build --select vocab/selection.txt` makes.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tests/support/testing.h"
#include "vocab/curate.h"
#include "vocab/vocabulary.h"
#include "vocab/wordnet.h"

namespace primer::vocab {
namespace {

const WordNet& wordnet() {
  static const WordNet wn = WordNet::load(WordNet::kDefaultDir);
  return wn;
}

TEST_CASE("WordNet: lemmas, lexicographer files, frames, exceptions, morphy") {
  const WordNet& wn = wordnet();
  CHECK(wn.has("dog", Pos::kNoun));
  CHECK(wn.has("run", Pos::kVerb));
  CHECK(wn.has("happy", Pos::kAdj));
  CHECK(wn.has("slowly", Pos::kAdv));
  CHECK_FALSE(wn.has("dog", Pos::kAdj));
  CHECK_FALSE(wn.has("zorblax", Pos::kNoun));
  CHECK_FALSE(wn.has("the", Pos::kFunc));
  CHECK(wn.lexname("dog", Pos::kNoun) == "noun.animal");
  CHECK(wn.lexname("apple", Pos::kNoun) == "noun.food");
  CHECK(wn.lexname("rain", Pos::kVerb) == "verb.weather");
  CHECK(wn.lemma("dog", Pos::kNoun)->frequency > wn.lemma("dingo", Pos::kNoun)->frequency);
  const auto sleep = wn.verb_frames("sleep");
  CHECK(std::find(sleep.begin(), sleep.end(), 2) != sleep.end());  // Somebody ----s
  const auto go = wn.irregular_forms("go", Pos::kVerb);
  CHECK(std::find(go.begin(), go.end(), "went") != go.end());
  CHECK(wn.base_forms("mice", Pos::kNoun) == std::vector<std::string>{"mouse"});
  CHECK(wn.base_forms("children", Pos::kNoun) == std::vector<std::string>{"child"});
  const auto running = wn.base_forms("running", Pos::kVerb);
  CHECK(std::find(running.begin(), running.end(), "run") != running.end());
  const auto better = wn.base_forms("better", Pos::kAdj);
  CHECK(std::find(better.begin(), better.end(), "good") != better.end());
  CHECK(wn.base_forms("happier", Pos::kAdj) == std::vector<std::string>{"happy"});
  CHECK(wn.base_forms("cried", Pos::kVerb) == std::vector<std::string>{"cry"});
  CHECK_THROWS_AS(WordNet::load("/nonexistent"), VocabError);
}

TEST_CASE("every content word of the bundled list is a WordNet lemma with its tagged part of speech") {
  const WordNet& wn = wordnet();
  const Vocabulary v = Vocabulary::load(testing::source_path("vocab/default.txt"));
  size_t checked = 0;
  for (const Entry& e : v.entries()) {
    if (e.pos == Pos::kFunc || e.pos == Pos::kName) continue;
    CAPTURE(e.lemma);
    CAPTURE(pos_name(e.pos));
    CHECK(wn.has(e.form(Form::kBase), e.pos));
    ++checked;
  }
  MESSAGE(checked << " content words checked against WordNet");
  CHECK(checked >= 1400);
}

TEST_CASE("vocab/default.txt is what the build makes from vocab/selection.txt") {
  const std::string selection = testing::read_file(testing::source_path("vocab/selection.txt"));
  const SelectionBuild b = build_from_selection(selection, "vocab/selection.txt", wordnet());
  const std::string bundled = testing::read_file(testing::source_path("vocab/default.txt"));
  CHECK_MESSAGE(
      b.text == bundled,
      "vocab/default.txt is stale: run primer vocab build --select vocab/selection.txt --out vocab/default.txt");
  MESSAGE(b.entries << " entries, " << b.content << " content words; " << b.derived_forms << " forms derived, "
                    << b.notes.size() << " notes");
  // Built twice: byte-identical.
  CHECK(build_from_selection(selection, "vocab/selection.txt", wordnet()).text == b.text);
}

TEST_CASE("building from a selection: WordNet checks, derived forms and categories") {
  const WordNet& wn = wordnet();
  auto build = [&](const std::string& text) { return build_from_selection(text, "sel.txt", wn); };
  auto error = [&](const std::string& text) -> std::string {
    try {
      build(text);
    } catch (const VocabError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error("dog noun\nhappy noun\n") == "sel.txt:2: 'happy' is not a WordNet noun (WordNet has it as adj)");
  CHECK(error("# c\n\nzorblax verb\n") == "sel.txt:3: 'zorblax' is not a WordNet verb (WordNet does not know it)");
  CHECK(error("dog noun\ncat nuon\n").find("sel.txt:2: unknown part of speech") == 0);
  // "melt" has a WordNet exception ("molten") that is no past tense: the curator must say.
  CHECK(error("melt verb\n").find("sel.txt:1: WordNet lists irregular forms molten of 'melt'") == 0);
  CHECK(error("melt verb past=melted pp=melted\n") == "no error");

  const SelectionBuild b = build("# animals\ngoose noun\nswim verb\nsnooze verb\nred adj\nbig adj\nthe func\n");
  const Vocabulary v = Vocabulary::parse(b.text, "built");
  auto entry = [&](std::string_view lemma, Pos pos) -> const Entry& {
    const int64_t i = v.find(lemma, pos);
    REQUIRE(i >= 0);
    return v.entry(static_cast<uint32_t>(i));
  };
  CHECK(entry("goose", Pos::kNoun).form(Form::kPlural) == "geese");                    // noun.exc
  CHECK(entry("goose", Pos::kNoun).categories == std::vector<std::string>{"animal"});  // noun.animal
  CHECK(entry("swim", Pos::kVerb).form(Form::kPast) == "swam");                        // verb.exc: swam / swum
  CHECK(entry("swim", Pos::kVerb).form(Form::kParticiple) == "swum");
  CHECK(entry("swim", Pos::kVerb).categories == std::vector<std::string>{"intr"});  // Somebody ----s
  CHECK(entry("red", Pos::kAdj).form(Form::kAdverb) == "redly");                    // WordNet lists "redly"
  CHECK(entry("big", Pos::kAdj).form(Form::kAdverb) == "big");                      // but no "bigly"
  CHECK(entry("big", Pos::kAdj).form(Form::kComparative) == "bigger");
  CHECK(b.text.find("# animals\n") != std::string::npos);  // comments are kept
  CHECK(b.derived_categories == 3);
}

TEST_CASE("candidates: frequent WordNet words not in a list") {
  const Vocabulary v = Vocabulary::parse("dog noun\nman noun\n", "x");
  const auto c = wordnet_candidates(wordnet(), Pos::kNoun, 50, &v);
  REQUIRE(c.size() == 50);
  for (const auto& k : c) {
    CHECK(k.word != "dog");
    CHECK(k.word != "man");
    CHECK(k.word.find('_') == std::string::npos);
  }
  for (size_t i = 1; i < c.size(); ++i) CHECK(c[i - 1].frequency >= c[i].frequency);
  CHECK(c.front().frequency > 100);
}

TEST_CASE("building from corpus frequencies: lemmatised and tagged") {
  CorpusCounter counter;
  counter.add_text("The dogs barked. The dog ran and ran. The children were running. The cats ran away.");
  counter.add_text("Zorp saw the dogs. Zorp liked the happier cats. A child is running. Lily's dog barked.");
  const Vocabulary base =
      Vocabulary::parse("the func\na func\nand func\nbe func also=is,are,was,were\nLily name\n", "base");
  const CorpusBuild b = build_from_corpus(counter, 5, wordnet(), &base);
  const Vocabulary v = Vocabulary::parse(b.text, "built");
  CHECK(b.content == 5);
  CHECK(v.find("dog", Pos::kNoun) >= 0);  // dogs x2, dog, (Lily's) dog: 4
  CHECK(v.find("run", Pos::kVerb) >= 0);  // ran x3, running x2
  CHECK(v.find("child", Pos::kNoun) >= 0);
  CHECK(v.find("cat", Pos::kNoun) >= 0);
  CHECK(v.find("bark", Pos::kVerb) >= 0);
  CHECK(v.find("the", Pos::kFunc) >= 0);
  CHECK(v.find("Zorp", Pos::kName) >= 0);  // capitalised, unknown to WordNet, twice
  CHECK(v.find("Lily", Pos::kName) >= 0);  // from the base list
  CHECK(v.find("see", Pos::kVerb) < 0);    // once: not in the top 5
  CHECK(v.accepts("children"));
  CHECK(v.accepts("ran"));
  CHECK(b.text.find("dog         noun cat=animal  # 4") != std::string::npos);
}

}  // namespace
}  // namespace primer::vocab
