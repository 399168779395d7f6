// List operations behind `primer vocab stats/expand/diff/merge`, and the commands
// themselves on real files.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "tests/support/testing.h"
#include "vocab/curate.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

std::set<std::string> forms_of(const Entry& e) {
  const auto f = e.surface_forms();
  return {f.begin(), f.end()};
}

TEST_CASE("format_entry round-trips every entry of the bundled list") {
  const Vocabulary& v = testing::default_vocabulary();
  for (const Entry& e : v.entries()) {
    const std::string line = format_entry(e);
    CAPTURE(line);
    const Vocabulary one = Vocabulary::parse(line, "line");
    REQUIRE(one.entries().size() == 1);
    CHECK(one.entry(0).lemma == e.lemma);
    CHECK(one.entry(0).pos == e.pos);
    CHECK(one.entry(0).categories == e.categories);
    CHECK(forms_of(one.entry(0)) == forms_of(e));
  }
}

TEST_CASE("stats and expand") {
  const Vocabulary v = Vocabulary::parse(
      "dog noun cat=animal\nchild noun pl=children\ngo verb past=went pp=gone\nred adj ly=red\nthe func\nLily name\n",
      "t");
  const ListStats s = list_stats(v);
  CHECK(s.by_pos[static_cast<int>(Pos::kNoun)] == 2);
  CHECK(s.content == 4);
  CHECK(s.irregular == 3);  // child, go, red
  CHECK(s.categories[static_cast<int>(Pos::kNoun)].at("animal") == 1);
  const auto forms = expand_list(v);
  std::vector<std::string> got;
  for (const auto& f : forms) got.push_back(f.surface + "/" + f.form);
  CHECK(got == std::vector<std::string>{"dog/base", "dogs/pl", "child/base", "children/pl", "go/base", "goes/s",
                                        "went/past", "gone/pp", "going/ing", "red/base", "redder/cmp", "reddest/sup",
                                        "the/base", "Lily/base"});
  CHECK(s.surface_forms == got.size() - 1);  // names are not word forms
}

TEST_CASE("diff and merge") {
  const Vocabulary a = Vocabulary::parse("dog noun cat=animal\ncat noun\ngo verb past=went pp=gone\n", "a");
  const Vocabulary b =
      Vocabulary::parse("dog noun cat=animal,pet\ngo verb past=went pp=gone\nrun verb past=ran pp=run\n", "b");
  const ListDiff d = diff_lists(a, b);
  REQUIRE(d.only_a.size() == 1);
  CHECK(a.entry(d.only_a[0]).lemma == "cat");
  REQUIRE(d.only_b.size() == 1);
  CHECK(b.entry(d.only_b[0]).lemma == "run");
  REQUIRE(d.changed.size() == 1);
  CHECK(a.entry(d.changed[0].first).lemma == "dog");
  CHECK(diff_lists(a, a).changed.empty());

  const Vocabulary c = Vocabulary::parse("go verb past=goed\nLily name cat=girl\n", "c");
  const MergeResult m = merge_lists({&a, &b, &c}, {"a", "b", "c"});
  CHECK(m.entries == 5);  // dog cat go run Lily
  REQUIRE(m.conflicts.size() == 1);
  CHECK(m.conflicts[0] == "go (verb): forms differ between a and c; kept a's");
  const Vocabulary merged = Vocabulary::parse(m.text, "merged");
  const Entry& dog = merged.entry(static_cast<uint32_t>(merged.find("dog", Pos::kNoun)));
  CHECK(dog.categories == std::vector<std::string>{"animal", "pet"});
  CHECK(merged.accepts("went"));
  CHECK_FALSE(merged.accepts("goed"));
  CHECK(merged.is_name("Lily"));

  // Vocabulary is a value: a copy answers the same and outlives the original.
  Vocabulary copy = merged;
  {
    Vocabulary temp = Vocabulary::parse("x noun\n", "t");
    copy = temp;
    copy = Vocabulary(merged);
  }
  CHECK(copy.accepts("went"));
  CHECK(copy.entries().size() == merged.entries().size());
}

TEST_CASE("list format: errors name file and line; names never collide with word forms") {
  auto message = [](const std::string& text) {
    try {
      Vocabulary::parse(text, "list.txt");
    } catch (const VocabError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("dog noun pl=dogs pl=doggies\n") == "list.txt:1: key 'pl' given twice");
  CHECK(message("dog noun\nca\xFFt noun\n") == "list.txt:2: not valid UTF-8");
  CHECK(message("dog noun\nlily name\n") == "list.txt:2: name 'lily' must start with a capital letter");
  CHECK(message("go verb past=went,goed\n") == "list.txt:1: key 'past' takes one form; use also= for more");
  CHECK(message("clock noun also=o'clock\n") == "no error");
  CHECK(message("caf\xC3\xA9 noun\n") == "no error");

  // A capitalised word that is also a word form is read as the word, so a name that is
  // a word would never count as a name.
  const Vocabulary& v = testing::default_vocabulary();
  for (uint32_t i : v.with_pos(Pos::kName)) {
    std::string folded;
    fold_word(v.entry(i).lemma, folded);
    CAPTURE(v.entry(i).lemma);
    CHECK(v.lemmas_of(folded).empty());
  }
}

TEST_CASE("primer vocab commands on real files") {
  testing::TempDir dir;
  const std::string bin = testing::primer_binary();
  const std::string list = testing::source_path("vocab/default.txt").string();

  auto r = testing::run_command({bin, "vocab", "--help"});
  CHECK(r.exit_code == 0);
  for (const char* sub : {"stats", "build", "check", "expand", "diff", "merge"}) {
    CAPTURE(sub);
    CHECK(r.out.find(sub) != std::string::npos);
    CHECK(testing::run_command({bin, "vocab", sub, "--help"}).exit_code == 0);
  }
  CHECK(testing::run_command({bin, "vocab"}).exit_code == 2);

  r = testing::run_command({bin, "vocab", "stats", list, "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"content_words\":") != std::string::npos);

  testing::write_file(dir / "story.txt",
                      "The children were running to their mommy's house. The quantum dog "
                      "barked at the quantum cat\xFF.\n");
  testing::write_file(dir / "docs.jsonl",
                      "{\"text\":\"Lily's zorblax ran.\",\"id\":\"1\"}\nnot json\n"
                      "{\"id\":\"2\",\"text\":\"The zorblax ate.\"}\n");
  r = testing::run_command(
      {bin, "vocab", "check", list, (dir / "story.txt").string(), (dir / "docs.jsonl").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("{\"tokens\":22,\"oov_tokens\":4,") == 0);
  CHECK(r.out.find("\"top_oov\":[{\"word\":\"quantum\",\"count\":2},{\"word\":\"zorblax\",\"count\":2}]") !=
        std::string::npos);
  CHECK(r.out.find("\"invalid_utf8\":1") != std::string::npos);
  CHECK(r.out.find("\"malformed_lines\":1") != std::string::npos);
  CHECK(r.out.find("\"documents\":3") != std::string::npos);

  r = testing::run_command({bin, "vocab", "check", list, (dir / "missing.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing.txt") != std::string::npos);

  testing::write_file(dir / "bad.txt", "dog noun\ncat nuon\n");
  r = testing::run_command({bin, "vocab", "stats", (dir / "bad.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.txt:2: unknown part of speech 'nuon'") != std::string::npos);

  testing::write_file(dir / "a.txt", "dog noun\ncat noun\n");
  testing::write_file(dir / "b.txt", "dog noun\nrun verb past=ran pp=run\n");
  r = testing::run_command({bin, "vocab", "diff", (dir / "a.txt").string(), (dir / "b.txt").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"only_a\":[{\"lemma\":\"cat\",\"pos\":\"noun\"}],\"only_b\":[{\"lemma\":\"run\"") !=
        std::string::npos);
  r = testing::run_command(
      {bin, "vocab", "merge", (dir / "a.txt").string(), (dir / "b.txt").string(), "--out", (dir / "c.txt").string()});
  CHECK(r.exit_code == 0);
  const Vocabulary c = Vocabulary::load(dir / "c.txt");
  CHECK(c.entries().size() == 3);
  r = testing::run_command({bin, "vocab", "expand", (dir / "c.txt").string()});
  CHECK(r.out.find("ran\trun\tverb\tpast\n") != std::string::npos);

  r = testing::run_command({bin, "vocab", "build", "--select", testing::source_path("vocab/selection.txt").string(),
                            "--out", (dir / "built.txt").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(testing::read_file(dir / "built.txt") == testing::read_file(list));
  r = testing::run_command({bin, "vocab", "build", "--from", (dir / "story.txt").string(), "--size", "3", "--base",
                            list, "--out", (dir / "corpus.txt").string()});
  CHECK(r.exit_code == 0);
  CHECK(Vocabulary::load(dir / "corpus.txt").with_pos(Pos::kNoun).size() +
            Vocabulary::load(dir / "corpus.txt").with_pos(Pos::kVerb).size() ==
        3);
  r = testing::run_command({bin, "vocab", "build", "--candidates", "5", "--pos", "verb", "--exclude", list, "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"candidates\":[{\"word\":") != std::string::npos);
  CHECK(testing::run_command({bin, "vocab", "build", "--size", "3"}).exit_code == 2);
}

}  // namespace
}  // namespace primer::vocab
