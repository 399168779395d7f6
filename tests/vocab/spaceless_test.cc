// Lists in other languages and scripts written without spaces: the "# language:"
// directive, ICU's dictionary segmentation of Han, kana and Thai runs, and the list's own
// segmentation that prefers listed words.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/testing.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

using Words = std::vector<std::string>;

Words words_of(std::string_view text, const Vocabulary* prefer = nullptr, TextPath path = TextPath::kAuto) {
  Words out;
  segment_words(
      text, [&](std::string_view w) { out.emplace_back(w); }, nullptr, path, prefer);
  return out;
}

// A small Chinese list for a children's story.
const Vocabulary& chinese() {
  static const Vocabulary v = Vocabulary::parse(
      "# language: zh\n"
      "我 func\n你 func\n他 func\n她 func\n它 func\n的 func\n了 func\n是 func\n在 func\n和 func\n很 adv\n"
      "一 func\n个 func\n只 func\n有 verb\n说 verb\n去 verb\n玩 verb\n跑 verb\n小 adj\n大 adj\n可爱 adj\n"
      "猫 noun\n小猫 noun\n公园 noun\n朋友 noun\n小明 name\n你好 func\n",
      "zh.txt");
  return v;
}

TEST_CASE("ICU's dictionary cuts runs of Han, kana and Thai into words") {
  // Without a list: ICU's word break iterator and its dictionaries.
  const Words zh = words_of("我有一个小猫。");
  CHECK(zh.size() >= 3);
  CHECK(zh.back() == "小猫");
  const Words ja = words_of("今日は天気がいいです。");
  CHECK(ja.size() > 1);
  CHECK(ja.front() == "今日");
  const Words th = words_of("ผมชอบกินข้าว");
  CHECK(th.size() > 1);
  CHECK(th.front() == "ผม");
  // The words concatenate to the text without its punctuation: nothing lost or added.
  auto joined = [](const Words& w) {
    std::string s;
    for (const auto& x : w) s += x;
    return s;
  };
  CHECK(joined(zh) == "我有一个小猫");
  CHECK(joined(ja) == "今日は天気がいいです");
  CHECK(joined(th) == "ผมชอบกินข้าว");
  CHECK(words_of("今日は天気がいいです").size() == ja.size());
  // Katakana with the prolonged sound mark (U+30FC, script Common) stays one run.
  CHECK(words_of("ケーキ").size() == 1);
}

TEST_CASE("punctuation of CJK text separates words and is no word") {
  CHECK(words_of("，。！？“”「」、；：（）…—").empty());
  CHECK(words_of("“你好，”她说。", &chinese()) == Words{"你好", "她", "说"});
  // Digits and Latin letters form runs of their own; an apostrophe does not join Han.
  CHECK(words_of("3个小猫", &chinese()) == Words{"3", "个", "小猫"});
  CHECK(words_of("OK了", &chinese()) == Words{"OK", "了"});
  CHECK(words_of("猫's", &chinese()) == Words{"猫", "s"});
  // Full-width digits are NFKC-normalised to ASCII.
  CHECK(words_of("\xEF\xBC\x93个", &chinese()) == Words{"3", "个"});
}

TEST_CASE("a text made only of listed words is in vocabulary whatever ICU would split") {
  const Vocabulary& v = chinese();
  const std::string text = "我有一个小猫。";
  // ICU's dictionary reads 我有 ("I have") as one word, which the list does not have...
  const Words icu = words_of(text);
  CHECK(icu.front() == "我有");
  // ...the list's own segmentation takes its words.
  CHECK(words_of(text, &v) == Words{"我", "有", "一", "个", "小猫"});
  const Conformance c = v.score(text);
  CHECK(c.tokens == 5);
  CHECK(c.oov_tokens == 0);
  CHECK(c.oov_rate() == 0.0);

  const std::string story = "小明和他的朋友去公园玩。她说：“你好！”小猫很可爱，它在跑。";
  const Conformance s = v.score(story);
  CHECK(s.oov_tokens == 0);
  CHECK(s.tokens == 17);
  // Both text paths agree.
  CHECK(v.score(story, {}, TextPath::kIcuOnly).tokens == s.tokens);
}

TEST_CASE("an unlisted word is one out-of-vocabulary token, cut by ICU") {
  const Vocabulary& v = chinese();
  const Conformance c = v.score("我有一只狗。");  // 狗 (dog) is not listed
  CHECK(c.tokens == 5);
  CHECK(c.oov_tokens == 1);
  CHECK(c.oov_words == Words{"狗"});
  // An unlisted stretch is cut by ICU's dictionary, not per character.
  const Conformance d = v.score("我有一个苹果");  // 苹果 (apple): one word to ICU
  CHECK(d.oov_words == Words{"苹果"});
  CHECK(d.tokens == 5);
}

TEST_CASE("the list's segmentation: fewest unlisted tokens, then fewest tokens") {
  const Vocabulary& v = chinese();
  // 小猫 is listed, and so are 小 and 猫: one word beats two.
  CHECK(words_of("小猫", &v) == Words{"小猫"});
  // Without 小猫 in the list the text is still in vocabulary, as 小 + 猫.
  const Vocabulary no_kitten = Vocabulary::parse("# language: zh\n小 adj\n猫 noun\n我 func\n有 verb\n", "zh2.txt");
  CHECK(words_of("我有小猫", &no_kitten) == Words{"我", "有", "小", "猫"});
  CHECK(no_kitten.score("我有小猫").oov_tokens == 0);
  // A list without Han words leaves the runs to ICU.
  CHECK(words_of("我有一个小猫", &testing::default_vocabulary()) == words_of("我有一个小猫"));
  // Covering more characters wins over fewer words: 大小 is listed, but 小猫 covers the rest.
  const Vocabulary overlap = Vocabulary::parse("# language: zh\n大小 noun\n小猫 noun\n大 adj\n", "zh3.txt");
  CHECK(words_of("大小猫", &overlap) == Words{"大", "小猫"});
  // An uncovered character between listed words is cut out on its own.
  CHECK(words_of("大狗小猫", &overlap) == Words{"大", "狗", "小猫"});
  // An unlisted word that holds a listed character stays whole (ICU's word), so the
  // report names 大象 (elephant), not 象; 大 alone is still read as listed.
  const Conformance elephant = chinese().score("我有一只大象。");
  CHECK(elephant.oov_words == Words{"大象"});
  CHECK(elephant.oov_tokens == 1);
  CHECK(chinese().score("大猫").oov_tokens == 0);
}

TEST_CASE("mentions: a text uses an entry when some segmented word is a form of it") {
  const Vocabulary& v = chinese();
  const auto cat = static_cast<uint32_t>(v.find("猫", Pos::kNoun));
  const auto kitten = static_cast<uint32_t>(v.find("小猫", Pos::kNoun));
  const auto run = static_cast<uint32_t>(v.find("跑", Pos::kVerb));
  CHECK(v.mentions("我的猫在跑。", cat));
  CHECK(v.mentions("我的猫在跑。", run));
  CHECK(v.mentions("我有一只小猫", kitten));
  CHECK_FALSE(v.mentions("我有一只小猫", cat));  // read as 小猫, the longer listed word
  CHECK_FALSE(v.mentions("我有一只狗", cat));
  const uint32_t watch[2] = {cat, run};
  CHECK(v.score("猫跑了", watch).found_mask == 0b11);
}

TEST_CASE("language directive: no English inflection for other languages") {
  const Vocabulary& zh = chinese();
  CHECK(zh.language() == "zh");
  CHECK(testing::default_vocabulary().language() == "en");
  const Entry& cat = zh.entry(static_cast<uint32_t>(zh.find("猫", Pos::kNoun)));
  CHECK(cat.form(Form::kPlural).empty());
  CHECK(cat.surface_forms() == Words{"猫"});
  CHECK(zh.lemmas_of("猫s").empty());
  CHECK(zh.surface_form_count() == 27);  // every entry but the name, base forms only

  // Other languages: the forms the line gives, nothing made up; no English clitics.
  const Vocabulary es = Vocabulary::parse(
      "#language:es\nperro noun pl=perros\ncomer verb also=come,comió\nde func\nMaría name\n", "es.txt");
  CHECK(es.language() == "es");
  CHECK(es.accepts("perros"));
  CHECK_FALSE(es.accepts("perro's"));
  CHECK_FALSE(es.accepts("comers"));
  CHECK(es.accepts("comió"));
  CHECK_FALSE(es.accepts("comed"));
  CHECK(es.accepts("María"));
  CHECK_FALSE(es.accepts("maría"));  // a cased name still needs its capital
  // The same line in an English list is inflected.
  const Vocabulary en = Vocabulary::parse("# language: en\ncomer verb\n", "en.txt");
  CHECK(en.accepts("comers"));
  CHECK(en.language() == "en");

  auto message = [](std::string_view text) {
    try {
      (void)Vocabulary::parse(text, "list.txt");
    } catch (const VocabError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("# language: zh\n# language: ja\n猫 noun\n") == "list.txt:2: '# language:' given twice");
  CHECK(message("# language: chinese\n猫 noun\n").starts_with("list.txt:1: malformed language 'chinese'"));
  CHECK(message("# language:\n猫 noun\n").starts_with("list.txt:1: malformed language ''"));
  CHECK(message("猫 noun\n# language: zh\n").starts_with("list.txt:2: '# language:' must come before the first entry"));
  CHECK(message("# language: pt-BR\ngato noun\n") == "no error");
  CHECK(message("# language: zh-Hant\n貓 noun\n") == "no error");
  CHECK(message("# the language: of dogs\ndog noun\n") == "no error");  // a plain comment
}

TEST_CASE("names in scripts without case are matched as written") {
  const Vocabulary& v = chinese();
  CHECK(v.is_name("小明"));
  CHECK(v.accepts("小明"));
  const Conformance c = v.score("小明跑了");
  CHECK(c.tokens == 3);
  CHECK(c.oov_tokens == 0);
  // A cased name still needs its capital, in any list.
  CHECK_THROWS_WITH(Vocabulary::parse("# language: zh\nlily name\n", "n.txt"),
                    "n.txt:2: name 'lily' must start with a capital letter");
  CHECK_THROWS_AS(Vocabulary::parse("# language: zh\n7x name\n", "n.txt"), VocabError);
}

TEST_CASE("Japanese and Thai lists segment their runs too") {
  const Vocabulary ja = Vocabulary::parse(
      "# language: ja\n今日 noun\nは func\n天気 noun\nが func\nいい adj\nです func\nケーキ noun\nを func\n"
      "食べた verb\n",
      "ja.txt");
  const Conformance c = ja.score("今日は天気がいいです。ケーキを食べた！");
  CHECK(c.tokens == 9);
  CHECK(c.oov_tokens == 0);
  // ICU alone cuts 食べた as 食 + べた here; the list keeps its word.
  CHECK(words_of("ケーキを食べた") != Words{"ケーキ", "を", "食べた"});
  CHECK(words_of("ケーキを食べた", &ja) == Words{"ケーキ", "を", "食べた"});

  const Vocabulary th = Vocabulary::parse("# language: th\nผม func\nชอบ verb\nกิน verb\nข้าว noun\n", "th.txt");
  const Conformance t = th.score("ผมชอบกินข้าว");
  CHECK(t.tokens == 4);
  CHECK(t.oov_tokens == 0);
  CHECK(th.score("ผมชอบกินข้าวผัด").oov_tokens == 1);  // ผัด (fried) is not listed
}

TEST_CASE("segmentation of mixed and random text: the list only moves boundaries inside runs") {
  // With and without a list, the words concatenate to the same text, and both text paths
  // agree; a callback that segments again on the same thread sees consistent results.
  const std::vector<std::string> pieces = {
      "我", "有", "小", "猫", "狗", "，", "。",           "a",    "B",        " ", "'", "3",
      ".",  "ケ", "ー", "は", "ผม", "กิน", "\xE2\x80\x9C", "\xFF", "\xE4\xB8", "é"};
  const Vocabulary& v = chinese();
  std::mt19937_64 rng(11);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) s += pieces[rng() % pieces.size()];
    CAPTURE(s);
    std::string with, without;
    for (const auto& w : words_of(s, &v)) with += w;
    for (const auto& w : words_of(s)) without += w;
    REQUIRE(with == without);
    REQUIRE(words_of(s, &v, TextPath::kAuto) == words_of(s, &v, TextPath::kIcuOnly));
    const Conformance c = v.score(s);
    uint64_t tokens = 0;
    v.for_each_token(s, [&](const Token&) {
      ++tokens;
      CHECK(v.score(s).tokens == c.tokens);  // re-entrant use on the same thread
    });
    REQUIRE(tokens == c.tokens);
  }
}

}  // namespace
}  // namespace primer::vocab
