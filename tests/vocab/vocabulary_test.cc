#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vocab/vocabulary.h"

using primer::vocab::Conformance;
using primer::vocab::Form;
using primer::vocab::inflect_regular;
using primer::vocab::Pos;
using primer::vocab::segment_words;
using primer::vocab::VocabError;
using primer::vocab::Vocabulary;

namespace {

const char* kList = R"(# a small test list
dog    noun cat=animal,pet
box    noun
baby   noun
child  noun pl=children
house  noun
run    verb past=ran pp=run
go     verb past=went pp=gone
stop   verb
cry    verb
bake   verb
visit  verb
be     verb past=was also=is,are,am,were,been,being
big    adj
happy  adj
good   adj cmp=better sup=best ly=well
gentle adj
the    func
to     func
their  func
do     func also=does,did
not    func
Lily   name
Tom    name
)";

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  segment_words(text, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}

}  // namespace

TEST_CASE("regular inflection rules") {
  CHECK(inflect_regular("dog", Form::kPlural) == "dogs");
  CHECK(inflect_regular("box", Form::kPlural) == "boxes");
  CHECK(inflect_regular("dish", Form::kPlural) == "dishes");
  CHECK(inflect_regular("baby", Form::kPlural) == "babies");
  CHECK(inflect_regular("toy", Form::kPlural) == "toys");
  CHECK(inflect_regular("go", Form::kThird) == "goes");
  CHECK(inflect_regular("cry", Form::kThird) == "cries");
  CHECK(inflect_regular("stop", Form::kPast) == "stopped");
  CHECK(inflect_regular("bake", Form::kPast) == "baked");
  CHECK(inflect_regular("cry", Form::kPast) == "cried");
  CHECK(inflect_regular("play", Form::kPast) == "played");
  CHECK(inflect_regular("visit", Form::kPast) == "visited");
  CHECK(inflect_regular("rain", Form::kPast) == "rained");
  CHECK(inflect_regular("fix", Form::kPast) == "fixed");
  CHECK(inflect_regular("run", Form::kIng) == "running");
  CHECK(inflect_regular("bake", Form::kIng) == "baking");
  CHECK(inflect_regular("lie", Form::kIng) == "lying");
  CHECK(inflect_regular("see", Form::kIng) == "seeing");
  CHECK(inflect_regular("swim", Form::kIng) == "swimming");
  CHECK(inflect_regular("big", Form::kComparative) == "bigger");
  CHECK(inflect_regular("nice", Form::kSuperlative) == "nicest");
  CHECK(inflect_regular("happy", Form::kComparative) == "happier");
  CHECK(inflect_regular("happy", Form::kAdverb) == "happily");
  CHECK(inflect_regular("gentle", Form::kAdverb) == "gently");
  CHECK(inflect_regular("slow", Form::kAdverb) == "slowly");
  CHECK(inflect_regular("full", Form::kAdverb) == "fully");
}

TEST_CASE("parsing a list: parts of speech, overrides, categories") {
  const Vocabulary v = Vocabulary::parse(kList, "test.txt");
  CHECK(v.with_pos(Pos::kNoun).size() == 5);
  CHECK(v.with_pos(Pos::kVerb).size() == 7);
  CHECK(v.with_pos(Pos::kAdj).size() == 4);
  CHECK(v.with_pos(Pos::kName).size() == 2);
  const auto dog = v.find("dog", Pos::kNoun);
  REQUIRE(dog >= 0);
  CHECK(v.entry(static_cast<uint32_t>(dog)).has_category("pet"));
  CHECK_FALSE(v.entry(static_cast<uint32_t>(dog)).has_category("food"));
  const auto go = v.find("go", Pos::kVerb);
  REQUIRE(go >= 0);
  CHECK(v.entry(static_cast<uint32_t>(go)).form(Form::kPast) == "went");
  CHECK(v.entry(static_cast<uint32_t>(go)).form(Form::kParticiple) == "gone");
  CHECK(v.entry(static_cast<uint32_t>(go)).form(Form::kThird) == "goes");
  CHECK(v.find("cat", Pos::kNoun) == -1);
}

TEST_CASE("a byte order mark and CRLF line ends are read as the plain list") {
  const std::string crlf = "dog noun\r\ngo verb past=went\r\n";
  const Vocabulary v = Vocabulary::parse("\xEF\xBB\xBF" + crlf, "bom.txt");
  REQUIRE(v.find("dog", Pos::kNoun) >= 0);
  CHECK(v.entry(static_cast<uint32_t>(v.find("dog", Pos::kNoun))).lemma == "dog");
  CHECK(v.find("go", Pos::kVerb) >= 0);
  CHECK(v.entries().size() == Vocabulary::parse(crlf, "plain.txt").entries().size());
}

TEST_CASE("malformed lists name the file and the line") {
  auto message = [](const char* text) {
    try {
      Vocabulary::parse(text, "list.txt");
    } catch (const VocabError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("dog noun\ncat nuon\n") ==
        "list.txt:2: unknown part of speech 'nuon' (expected noun, verb, adj, adv, func or name)");
  CHECK(message("dog\n").find("list.txt:1: expected 'lemma pos") == 0);
  CHECK(message("dog noun\n\n# c\ndog noun\n") == "list.txt:4: duplicate entry 'dog' (noun)");
  CHECK(message("run verb colour=red\n").find("list.txt:1: unknown key 'colour'") == 0);
  CHECK(message("run verb pl=runs\n") == "list.txt:1: key 'pl' applies to noun, not verb");
  CHECK(message("run verb past\n").find("list.txt:1: expected key=value") == 0);
  CHECK_THROWS_AS(Vocabulary::load("/nonexistent/list.txt"), VocabError);
}

TEST_CASE("segmentation: apostrophes, hyphens, curly quotes, digits") {
  CHECK(words_of("Don't run, Lily's dog!") == std::vector<std::string>{"Don't", "run", "Lily's", "dog"});
  CHECK(words_of("a well-known  dog") == std::vector<std::string>{"a", "well", "known", "dog"});
  CHECK(words_of("\xE2\x80\x9CHi,\xE2\x80\x9D she said. It\xE2\x80\x99s 42.") ==
        std::vector<std::string>{"Hi", "she", "said", "It\xE2\x80\x99s", "42"});
  CHECK(words_of("'quoted' dogs' toys") == std::vector<std::string>{"quoted", "dogs", "toys"});
  CHECK(words_of("wait\xE2\x80\x94no\xE2\x80\xA6 \xC2\xAByes\xC2\xBB caf\xC3\xA9") ==
        std::vector<std::string>{"wait", "no", "yes", "caf\xC3\xA9"});
  CHECK(words_of("").empty());
  CHECK(words_of(" ... !? ").empty());
}

TEST_CASE("lemmas of inflected words, names, contractions") {
  const Vocabulary v = Vocabulary::parse(kList, "test.txt");
  auto lemma = [&](std::string_view w) -> std::string {
    auto l = v.lemmas_of(w);
    return l.empty() ? "" : v.entry(l[0]).lemma;
  };
  CHECK(lemma("children") == "child");
  CHECK(lemma("went") == "go");
  CHECK(lemma("ran") == "run");
  CHECK(lemma("running") == "run");
  CHECK(lemma("better") == "good");
  CHECK(lemma("well") == "good");
  CHECK(lemma("babies") == "baby");
  CHECK(lemma("happily") == "happy");
  CHECK(lemma("stopped") == "stop");
  CHECK(lemma("cats") == "");
  CHECK(v.is_name("Lily"));
  CHECK(v.is_name("Lily's"));
  CHECK_FALSE(v.is_name("lily"));
  CHECK(v.accepts("don't"));
  CHECK(v.accepts("Don\xE2\x80\x99t"));
  CHECK(v.accepts("dog's"));
  CHECK(v.accepts("2026"));
  CHECK_FALSE(v.accepts("cat's"));
}

TEST_CASE("conformance score counts out-of-vocabulary tokens") {
  const Vocabulary v = Vocabulary::parse(kList, "test.txt");
  const Conformance c = v.score("The children were running to their house. Tom's dog did not cry.");
  CHECK(c.tokens == 12);
  CHECK(c.oov_tokens == 0);
  const Conformance d = v.score("The quantum dog visited the Zorblax house.");
  CHECK(d.tokens == 7);
  CHECK(d.oov_tokens == 2);
  CHECK(d.oov_words == std::vector<std::string>{"quantum", "zorblax"});
  CHECK(d.oov_rate() == doctest::Approx(2.0 / 7));
  CHECK(v.score("").oov_rate() == 0.0);
}

TEST_CASE("watched entries are found in any inflection") {
  const Vocabulary v = Vocabulary::parse(kList, "test.txt");
  const uint32_t go = static_cast<uint32_t>(v.find("go", Pos::kVerb));
  const uint32_t child = static_cast<uint32_t>(v.find("child", Pos::kNoun));
  const uint32_t big = static_cast<uint32_t>(v.find("big", Pos::kAdj));
  const uint32_t watch[3] = {go, child, big};
  CHECK(v.score("The children went to the biggest house.", watch).found_mask == 0b111);
  CHECK(v.score("The child is big.", watch).found_mask == 0b110);
  CHECK(v.mentions("Tom goes.", go));
  CHECK_FALSE(v.mentions("Tom runs.", go));
}

TEST_CASE("the short-word fast path agrees with the full analysis at every length") {
  // Listed forms of 1 to 40 letters (across 8-byte words, past the fast path's 32), and
  // near misses of each: one letter changed at every position, one letter more and one
  // fewer, upper case. score() takes the fast path for short ASCII words; for_each_token()
  // always analyses in full: they must agree on every word.
  std::string list;
  std::vector<std::string> listed;
  for (size_t n = 1; n <= 40; ++n) {
    std::string w;
    for (size_t i = 0; i < n; ++i) w.push_back(static_cast<char>('a' + (i * 7 + n) % 26));
    listed.push_back(w);
    list += w + " noun\n";
  }
  const Vocabulary v = Vocabulary::parse(list, "lengths.txt");
  std::vector<std::string> probes;
  for (const auto& w : listed) {
    probes.push_back(w);
    std::string upper = w;
    for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
    probes.push_back(upper);
    probes.push_back(w + "q");
    probes.push_back(w.substr(0, w.size() - 1) + "q");
    if (w.size() > 1) probes.push_back(w.substr(1));
    for (size_t i = 0; i < w.size(); ++i) {
      std::string miss = w;
      miss[i] = miss[i] == 'z' ? 'y' : static_cast<char>(miss[i] + 1);
      probes.push_back(miss);
    }
  }
  size_t listed_seen = 0;
  for (const auto& p : probes) {
    uint64_t oov_tokens = 0, tokens = 0;
    v.for_each_token(p, [&](const primer::vocab::Token& t) {
      ++tokens;
      oov_tokens += t.kind == primer::vocab::TokenKind::kOov;
    });
    const Conformance c = v.score(p);
    INFO("probe '" << p << "'");
    CHECK(c.tokens == tokens);
    CHECK(c.oov_tokens == oov_tokens);
    listed_seen += oov_tokens == 0;
  }
  CHECK(listed_seen >= 2 * listed.size());  // every listed form, in lower and upper case
  for (const auto& w : listed) {            // and each is a form of its own entry
    const int64_t entry = v.find(w, Pos::kNoun);
    REQUIRE(entry >= 0);
    CHECK(v.mentions(w, static_cast<uint32_t>(entry)));
    CHECK_FALSE(v.mentions(w + "q", static_cast<uint32_t>(entry)));
  }
}
