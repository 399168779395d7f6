// Lists from a frequency dictionary (jieba's dict.txt format), and the commands on a
// Chinese list: `primer vocab build --from-frequency`, `primer vocab check`.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/testing.h"
#include "vocab/curate.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

// A made-up dictionary: frequencies out of order, a repeated word, tags not taken (ns,
// i, x, eng), a word that is not one token (B超: Latin + Han), a blank line.
constexpr std::string_view kDict =
    "猫 500 n\n狗 900 n\n跑 700 v\n大 800 a\n很 600 d\n北京 990 ns\n一石二鸟 50 i\n。 999 x\n"
    "B超 950 n\n\n鱼 500 n\n猫 20 v\n猫 10 n\n快 300 a\n说 650 v\n我 999 r\niphone 999 eng\n";

FrequencyOptions options(std::vector<Pos> pos, size_t top) {
  FrequencyOptions o;
  o.pos = std::move(pos);
  o.top = top;
  o.command = "primer vocab build --from-frequency dict.txt";
  o.source = "dict.txt";
  o.source_hash = "abc";
  o.source_note = "made up for the test";
  o.licence = "CC0";
  return o;
}

TEST_CASE("jieba's tags map to parts of speech") {
  Pos p;
  CHECK((jieba_pos("n", p) && p == Pos::kNoun));
  CHECK((jieba_pos("vn", p) && p == Pos::kVerb));
  CHECK((jieba_pos("a", p) && p == Pos::kAdj));
  CHECK((jieba_pos("d", p) && p == Pos::kAdv));
  CHECK((jieba_pos("uj", p) && p == Pos::kFunc));
  CHECK((jieba_pos("r", p) && p == Pos::kFunc));
  CHECK((jieba_pos("nr", p) && p == Pos::kName));
  CHECK_FALSE(jieba_pos("ns", p));
  CHECK_FALSE(jieba_pos("i", p));
  CHECK_FALSE(jieba_pos("", p));
}

TEST_CASE("build_from_frequency: the top words of each part of speech, with provenance") {
  const FrequencyBuild b = build_from_frequency(kDict, "dict.txt", options({Pos::kNoun, Pos::kVerb}, 2));
  CHECK(b.lines == 17);
  CHECK(b.taken[static_cast<int>(Pos::kNoun)] == 2);
  CHECK(b.taken[static_cast<int>(Pos::kVerb)] == 2);
  CHECK(b.not_one_word == 1);  // B超
  const Vocabulary v = Vocabulary::parse(b.text, "built.txt");
  CHECK(v.language() == "zh");
  // Nouns: 狗 (900) then 猫 (500; ties with 鱼 go by byte order, and 猫 < 鱼); B超 passed over.
  std::vector<std::string> nouns, verbs;
  for (uint32_t i : v.with_pos(Pos::kNoun)) nouns.push_back(v.entry(i).lemma);
  for (uint32_t i : v.with_pos(Pos::kVerb)) verbs.push_back(v.entry(i).lemma);
  CHECK(nouns == std::vector<std::string>{"狗", "猫"});
  CHECK(verbs == std::vector<std::string>{"跑", "说"});
  CHECK(v.with_pos(Pos::kAdj).empty());
  CHECK(b.text.starts_with("# language: zh\n# GENERATED FILE"));
  CHECK(b.text.find("# from dict.txt (sha256 abc), made up for the test\n# Licence of the source: CC0\n") !=
        std::string::npos);
  CHECK(b.text.find("狗         noun  # 900\n") != std::string::npos);
  // The same input gives the same bytes.
  CHECK(build_from_frequency(kDict, "dict.txt", options({Pos::kNoun, Pos::kVerb}, 2)).text == b.text);

  // A hand-written list is copied in; its words count toward --top but are not repeated.
  FrequencyOptions o = options({Pos::kNoun, Pos::kFunc}, 2);
  o.include_text = "# language: zh\n# by hand\n狗 noun\n的 func\n";
  o.include_name = "hand.txt";
  const FrequencyBuild c = build_from_frequency(kDict, "dict.txt", o);
  const Vocabulary w = Vocabulary::parse(c.text, "built.txt");
  CHECK(c.text.find("# by hand\n") != std::string::npos);
  CHECK(w.find("狗", Pos::kNoun) >= 0);
  CHECK(w.find("猫", Pos::kNoun) >= 0);
  CHECK(w.find("鱼", Pos::kNoun) < 0);  // 狗 counted toward the top 2
  CHECK(w.find("我", Pos::kFunc) >= 0);
  CHECK(w.find("的", Pos::kFunc) >= 0);
  o.include_text = "# language: ja\n猫 noun\n";
  CHECK_THROWS_WITH(build_from_frequency(kDict, "dict.txt", o), doctest::Contains("differs from --language zh"));
}

TEST_CASE("build_from_frequency: malformed lines name the file and the line") {
  auto message = [](std::string_view dict) {
    try {
      (void)build_from_frequency(dict, "dict.txt", options({Pos::kNoun}, 5));
    } catch (const VocabError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("猫 5 n\n狗 n\n") == "dict.txt:2: expected 'word frequency tag', got '狗 n'");
  CHECK(message("猫 5 n extra\n") == "dict.txt:1: expected 'word frequency tag', got '猫 5 n extra'");
  CHECK(message("猫 5 n\n\n狗 5x n\n") == "dict.txt:3: frequency '5x' is not a whole number");
  CHECK(message("猫 -5 n\n") == "dict.txt:1: frequency '-5' is not a whole number");
  CHECK(message("\xE7\x8C 5 n\n") == "dict.txt:1: not valid UTF-8");
  CHECK(message("猫 5 n\r\n狗 6 n\r\n") == "no error");
}

TEST_CASE("primer vocab build --from-frequency and vocab check on a Chinese list") {
  testing::TempDir dir;
  const std::string bin = testing::primer_binary();
  testing::write_file(dir / "dict.txt", std::string(kDict));
  testing::write_file(dir / "hand.txt", "# language: zh\n我 func\n有 verb\n一 func\n只 func\n小猫 noun\n");
  auto r =
      testing::run_command({bin, "vocab", "build", "--from-frequency", (dir / "dict.txt").string(), "--top", "3",
                            "--pos", "noun,verb,adj,adv", "--include", (dir / "hand.txt").string(), "--source-note",
                            "test data 1.0", "--licence", "CC0", "--out", (dir / "words.txt").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"by_pos\":{\"noun\":3,\"verb\":3,\"adj\":2,\"adv\":1}") != std::string::npos);
  const std::string list = testing::read_file(dir / "words.txt");
  CHECK(list.find("Built by `primer vocab build --from-frequency dict.txt --top 3 --pos noun,verb,adj,adv "
                  "--language zh --include hand.txt --source-note 'test data 1.0' --licence 'CC0'`") !=
        std::string::npos);

  // A text made only of listed words: OOV 0, though ICU's dictionary reads 我有 as one word.
  testing::write_file(dir / "ok.txt", "我有一只小猫。猫很大，狗跑了！");
  testing::write_file(dir / "bad.jsonl", "{\"text\":\"我有一只兔子。\"}\n");
  r = testing::run_command({bin, "vocab", "check", (dir / "words.txt").string(), (dir / "ok.txt").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"oov_tokens\":1,") != std::string::npos);  // 了 is not listed
  CHECK(r.out.find("\"top_oov\":[{\"word\":\"了\",\"count\":1}]") != std::string::npos);
  r = testing::run_command(
      {bin, "vocab", "check", (dir / "words.txt").string(), (dir / "bad.jsonl").string(), "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("{\"tokens\":5,\"oov_tokens\":1,") == 0);
  CHECK(r.out.find("\"top_oov\":[{\"word\":\"兔子\",\"count\":1}]") != std::string::npos);

  // Errors: a malformed line names the file and line; --top is needed; unknown --pos.
  testing::write_file(dir / "broken.txt", "猫 5 n\n狗 many n\n");
  r = testing::run_command({bin, "vocab", "build", "--from-frequency", (dir / "broken.txt").string(), "--top", "3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("broken.txt:2: frequency 'many' is not a whole number") != std::string::npos);
  r = testing::run_command({bin, "vocab", "build", "--from-frequency", (dir / "dict.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--top") != std::string::npos);
  r = testing::run_command(
      {bin, "vocab", "build", "--from-frequency", (dir / "dict.txt").string(), "--top", "3", "--pos", "noun,thing"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'thing' is not a part of speech") != std::string::npos);

  // The committed example list parses as Chinese and reads a short story in full.
  const Vocabulary zh = Vocabulary::load(testing::source_path("examples/recipes/zh/words.txt"));
  CHECK(zh.language() == "zh");
  CHECK(zh.entries().size() > 500);
  const Conformance c = zh.score(
      "从前，有一只小猫。它很喜欢和妈妈一起去公园玩。有一天，小猫看见一只大狗。"
      "小猫说：“你好！我们一起玩吧！”大狗笑了。它们成了好朋友。");
  CHECK(c.oov_tokens == 0);
  CHECK(c.tokens > 30);
}

}  // namespace
}  // namespace primer::vocab
