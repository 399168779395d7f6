// gopher_repetition, gopher_quality, regex, script, features: every drop reason, and the
// documents each must keep (the built-in teacher's stories among them).
#include <doctest/doctest.h>

#include "filters/filter.h"
#include "generators/builtin.h"
#include "prompts/prompt.h"
#include "tests/support/testing.h"
#include "tests/filters/filter_testing.h"

using namespace primer;
using namespace primer::filters;
using filters::testing::make_with;
using filters::testing::Settings;
using filters::testing::text_doc;

namespace {

// Distinct made-up words: "w0a", "w1b", ... (letters only, 4-6 characters).
std::string word(size_t i) {
  std::string w = "z";
  do {
    w.push_back(static_cast<char>('a' + i % 26));
    i /= 26;
  } while (i);
  while (w.size() < 4) w.push_back('q');
  return w;
}
std::string unique_words(size_t n, size_t from = 0) {
  std::string s;
  for (size_t i = 0; i < n; ++i) (s += s.empty() ? "" : " ") += word(from + i);
  return s;
}

// Built-in teacher stories for prompts 0..n-1 of seed 7 (every feature likely requested).
std::vector<base::Doc> builtin_stories(size_t n, double feature_probability = 0.5) {
  const auto& vocab = primer::testing::default_vocabulary();
  prompts::TinyStoriesSampler sampler(
      vocab,
      prompts::PromptTemplate::load(primer::testing::source_path("prompts/tinystories.txt"),
                                    prompts::TinyStoriesSampler::placeholders()),
      prompts::TinyStoriesOptions{feature_probability});
  generators::BuiltinTeacher teacher(vocab, generators::BuiltinOptions{0.0});
  std::vector<base::Doc> docs;
  for (size_t i = 0; i < n; ++i) {
    base::Doc d;
    d.prompt = sampler.sample(7, i);
    d.reply = teacher.complete(d.prompt);
    docs.push_back(std::move(d));
  }
  return docs;
}

size_t kept(const Filter& f, const std::vector<base::Doc>& docs) {
  size_t n = 0;
  for (const auto& d : docs) n += f.check(d).keep();
  return n;
}

}  // namespace

TEST_CASE("gopher_repetition: each rule drops with its reason, stories are kept") {
  auto f = make_with("gopher_repetition");
  CHECK(f->name() == "gopher_repetition");
  const std::string p1 = unique_words(30, 0) + ".", p2 = unique_words(30, 100) + ".";
  // 2 of 4 paragraphs repeat an earlier one.
  CHECK(f->check(text_doc(p1 + "\n\n" + p1 + "\n\n" + p1 + "\n\n" + p2)).reason == "dup_para_frac");
  // 1 of 4 repeats (0.25), but it is most of the characters.
  const std::string big = unique_words(80, 200) + ".";
  CHECK(f->check(text_doc(big + "\n\n" + big + "\n\nOne.\n\nTwo.")).reason == "dup_para_char_frac");
  // Lines (no blank lines, so one paragraph).
  CHECK(f->check(text_doc("aaa bbb\nccc ddd\naaa bbb\naaa bbb\neee fff")).reason == "dup_line_frac");
  CHECK(f->check(text_doc(big + "\n" + big + "\nOne.\nTwo.\nThree.")).reason == "dup_line_char_frac");
  // Top n-grams: one 2-gram takes over; earlier rules switched off for the longer ones.
  std::string top;
  for (size_t i = 0; i < 40; ++i) top += "big dog " + word(i) + " ";
  CHECK(f->check(text_doc(top)).reason == "top_2_gram");
  std::string top3;
  for (size_t i = 0; i < 40; ++i) top3 += "aa bb cc " + word(2 * i) + " " + word(2 * i + 1) + " ";
  CHECK(make_with("gopher_repetition", Settings().set("top_2_gram_frac", 0.0))->check(text_doc(top3)).reason ==
        "top_3_gram");
  std::string top4;
  for (size_t i = 0; i < 40; ++i) top4 += "aa bb cc dd " + word(2 * i) + " " + word(2 * i + 1) + " ";
  CHECK(make_with("gopher_repetition", Settings().set("top_2_gram_frac", 0.0).set("top_3_gram_frac", 0.0))
            ->check(text_doc(top4))
            .reason == "top_4_gram");
  // A 30-word passage said twice in otherwise distinct text: 5..10-grams repeat.
  const std::string said = unique_words(30, 500);
  const std::string twice = unique_words(40, 600) + " " + said + " " + unique_words(10, 700) + " " + said;
  Settings no_top;
  no_top.set("top_2_gram_frac", 0.0).set("top_3_gram_frac", 0.0).set("top_4_gram_frac", 0.0);
  CHECK(make_with("gopher_repetition", no_top)->check(text_doc(twice)).reason == "duplicated_5_n_grams");
  Settings only10 = no_top;
  for (int n = 5; n <= 9; ++n) only10.set("dup_" + std::to_string(n) + "_gram_frac", 0.0);
  CHECK(make_with("gopher_repetition", only10)->check(text_doc(twice)).reason == "duplicated_10_n_grams");
  // Kept: distinct text, and (almost all) built-in stories.
  CHECK(f->check(text_doc(p1 + "\n\n" + p2)).keep());
  CHECK(f->check(text_doc("")).keep());
  const auto stories = builtin_stories(400);
  CHECK(kept(*f, stories) >= 380);
  CHECK_THROWS_WITH(make_with("gopher_repetition", Settings().set("dup_line_frac", 1.5)),
                    doctest::Contains("dup_line_frac must be between 0 and 1"));
}

TEST_CASE("gopher_quality: each rule drops with its reason, stories are kept") {
  auto f = make_with("gopher_quality");
  const std::string base = "The cat and the dog went to the park with a ball. ";  // 12 words, 4 stop words
  std::string ok;
  for (int i = 0; i < 6; ++i) ok += base;
  CHECK(f->check(text_doc(ok)).keep());
  CHECK(f->check(text_doc(base)).reason == "short_doc");
  CHECK(make_with("gopher_quality", Settings().set("max_doc_words", 60.0))->check(text_doc(ok)).reason == "long_doc");
  std::string tiny = "the and to of ";
  for (int i = 0; i < 60; ++i) tiny += "a b ";
  CHECK(f->check(text_doc(tiny)).reason == "below_avg_word_length");
  std::string longw = "the and ";
  for (int i = 0; i < 60; ++i) longw += "extraordinarily ";
  CHECK(f->check(text_doc(longw)).reason == "above_avg_word_length");
  CHECK(f->check(text_doc(ok + "#kitten #puppy #happy #sunny #today #fun #play #park #ball #friends")).reason ==
        "too_many_hashes");
  std::string dots = ok;
  for (int i = 0; i < 20; ++i) dots += "and then... ";
  dots += "The end.";
  CHECK(f->check(text_doc(dots)).reason == "too_many_ellipsis");
  std::string bullets;
  for (int i = 0; i < 10; ++i) bullets += "- " + base + "\n";
  CHECK(f->check(text_doc(bullets)).reason == "too_many_bullets");
  std::string trailing;
  for (int i = 0; i < 10; ++i) trailing += base + base + (i < 4 ? "and so\xE2\x80\xA6\n" : "\n");
  CHECK(f->check(text_doc(trailing)).reason == "too_many_end_ellipsis");
  std::string numbers = ok;
  for (int i = 0; i < 100; ++i) numbers += "1234 ";
  CHECK(f->check(text_doc(numbers)).reason == "below_alpha_threshold");
  std::string no_stop;
  for (int i = 0; i < 60; ++i) no_stop += "cats run fast ";
  CHECK(f->check(text_doc(no_stop)).reason == "few_stop_words");
  CHECK(kept(*f, builtin_stories(300)) == 300);
}

TEST_CASE("regex: default rules drop refusals and chatter, scrub PII") {
  auto f = make_with("regex");
  CHECK(f->rewrites());
  const std::string story = "Lily had a red ball. She played with it all day, and she was happy.";
  CHECK(f->check(text_doc(story)).keep());
  CHECK(f->check(text_doc("As an AI language model, I cannot write stories.")).reason == "refusal");
  CHECK(f->check(text_doc("I'm sorry, but I can't help with that request.")).reason == "refusal");
  CHECK(f->check(text_doc("Sure! Here is a short story about a cat. " + story)).reason == "preamble");
  CHECK(f->check(text_doc(story + " I hope you enjoyed this story!")).reason == "meta");
  // "I'm sorry" and "I cannot" inside a story are fine.
  CHECK(f->check(text_doc("\"I'm sorry,\" said Tom. \"I cannot find my hat.\"")).keep());

  auto d = text_doc("Write to tom.smith@example.com or call 555-123-4567, or see https://example.com/x?y=1 now.");
  CHECK(f->rewrite(d).keep());
  CHECK(d.text() == "Write to <EMAIL> or call <PHONE>, or see <URL> now.");
  // The const path (no rewrite) keeps it untouched.
  auto d2 = text_doc("mail me: a@b.org");
  CHECK(f->check(d2).keep());
  CHECK(d2.text() == "mail me: a@b.org");
  // Through the chain: later filters and the caller see the scrubbed text.
  std::vector<std::unique_ptr<Filter>> list;
  list.push_back(make_with("regex"));
  FilterChain chain(std::move(list));
  auto d3 = text_doc("Lily wrote to lily@example.org.");
  CHECK(chain.decide(chain.prepare(d3)).keep());
  CHECK(d3.text() == "Lily wrote to <EMAIL>.");

  auto g = make_with("regex", Settings().set("scrub", false));
  CHECK_FALSE(g->rewrites());
  CHECK(g->check(text_doc("write to a@b.org")).reason == "email");
  CHECK(g->check(text_doc("see www.example.com")).reason == "url");
  CHECK(g->check(text_doc("call +44 20 7946 0958")).reason == "phone");
  CHECK(g->check(text_doc("host 192.168.1.20")).reason == "ip");
  CHECK(g->check(text_doc(story)).keep());
}

TEST_CASE("regex: rules files, replacement, errors") {
  primer::testing::TempDir dir;
  primer::testing::write_file(dir / "rules.txt", "# comment\n\ndrop banned (?i)\\bdragon\\b\nscrub name \\bBob\\b\n");
  auto f = make_with("regex", Settings().set("rules", (dir / "rules.txt").c_str()).set("replacement", "X"));
  CHECK(f->reasons() == std::vector<std::string_view>{"banned"});
  CHECK(f->check(text_doc("A DRAGON came.")).reason == "banned");
  CHECK(f->check(text_doc("A dragonfly came.")).keep());
  auto d = text_doc("Bob and Bobby met Bob.");
  CHECK(f->rewrite(d).keep());
  CHECK(d.text() == "X and Bobby met X.");
  primer::testing::write_file(dir / "bad.txt", "drop x (unclosed\n");
  CHECK_THROWS_WITH(make_with("regex", Settings().set("rules", (dir / "bad.txt").c_str())),
                    doctest::Contains("bad.txt:1: bad pattern"));
  primer::testing::write_file(dir / "bad2.txt", "keep x abc\n");
  CHECK_THROWS_WITH(make_with("regex", Settings().set("rules", (dir / "bad2.txt").c_str())),
                    doctest::Contains("expected 'drop|scrub NAME PATTERN'"));
  CHECK_THROWS_WITH(make_with("regex", Settings().set("rules", "no/such/rules.txt")),
                    doctest::Contains("does not exist"));
}

TEST_CASE("script: share of letters in the expected script") {
  auto f = make_with("script");
  CHECK(f->check(text_doc("Lily saw a big dog. \"Hello!\" she said. 123 \xF0\x9F\x98\x80")).keep());
  CHECK(f->check(text_doc("Caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9")).keep());  // accented Latin
  const std::string russian =
      "\xD0\x9C\xD0\xB0\xD1\x88\xD0\xB0 \xD0\xB8 \xD0\xBC\xD0\xB5\xD0\xB4\xD0\xB2\xD0\xB5\xD0\xB4\xD1\x8C";
  CHECK(f->check(text_doc(russian)).reason == "wrong_script");
  CHECK(f->check(text_doc("The cat " + russian + " " + russian)).reason == "wrong_script");
  CHECK(f->check(text_doc("123 !!! ...")).reason == "no_letters");
  auto ru = make_with("script", Settings().set("script", "Cyrillic"));
  CHECK(ru->check(text_doc(russian + ", 2024!")).keep());
  CHECK(ru->check(text_doc("Hello there")).reason == "wrong_script");
  auto lenient = make_with("script", Settings().set("min_share", 0.3));
  CHECK(lenient->check(text_doc("The cat sat " + russian)).keep());
  CHECK_THROWS_WITH(make_with("script", Settings().set("script", "Klingon")), doctest::Contains("not a script"));
  CHECK(kept(*f, builtin_stories(50)) == 50);
}

TEST_CASE("script: several scripts, and the scripts of the vocabulary list") {
  const std::string chinese = "小明有一只小猫，它很可爱！“你好！”";
  const std::string japanese = "ケーキを食べた。今日は天気がいい。";
  // The default (Latin) drops Chinese; punctuation "，！“”" is Common and not counted.
  CHECK(make_with("script")->check(text_doc(chinese)).reason == "wrong_script");
  auto han = make_with("script", Settings().set("script", "Han"));
  CHECK(han->check(text_doc(chinese)).keep());
  CHECK(han->check(text_doc("。！“” 123")).reason == "no_letters");
  CHECK(han->check(text_doc(japanese)).reason == "wrong_script");  // kana are not Han
  auto ja = make_with("script", Settings().set("script", std::vector<std::string>{"Han", "Hiragana", "Katakana"}));
  CHECK(ja->check(text_doc(japanese)).keep());
  CHECK(ja->check(text_doc("Hello there, " + japanese)).reason == "wrong_script");

  // "vocab": the scripts of the list's words; the default when the list is not English.
  const vocab::Vocabulary zh = vocab::Vocabulary::parse("# language: zh\n我 func\n猫 noun\n小明 name\n", "zh.txt");
  FilterContext ctx;
  ctx.vocab = &zh;
  std::vector<std::unique_ptr<Filter>> by_list;
  by_list.push_back(make_with("script", Settings().set("script", "vocab"), ctx));
  by_list.push_back(make_with("script", Settings(), ctx));
  for (const auto& f : by_list) {
    CHECK(f->check(text_doc(chinese)).keep());
    CHECK(f->check(text_doc("The cat sat on the mat.")).reason == "wrong_script");
  }
  // The bundled English list is Latin: "vocab" keeps what the default keeps.
  ctx.vocab = &primer::testing::default_vocabulary();
  auto en = make_with("script", Settings().set("script", "vocab"), ctx);
  CHECK(en->check(text_doc("Lily saw a big dog.")).keep());
  CHECK(en->check(text_doc(chinese)).reason == "wrong_script");
  CHECK(make_with("script", Settings(), ctx)->check(text_doc(chinese)).reason == "wrong_script");
  // "vocab" without a list, and a list with Latin and Han, mixed in an array.
  CHECK_THROWS_WITH(make_with("script", Settings().set("script", "vocab")), doctest::Contains("needs a [vocab] list"));
  ctx.vocab = &zh;
  auto mixed = make_with("script", Settings().set("script", std::vector<std::string>{"vocab", "Latin"}), ctx);
  CHECK(mixed->check(text_doc("The cat " + chinese)).keep());
}

TEST_CASE("features: requested features need their cues; built-in stories pass") {
  auto f = make_with("features");
  auto want = [](std::string text, std::initializer_list<base::Feature> fs) {
    auto d = text_doc(std::move(text));
    for (auto x : fs) d.prompt.features.add(x);
    return d;
  };
  using F = base::Feature;
  const std::string plain = "Lily went to the park. She played with a ball. Then she went home and slept.";
  CHECK(f->check(want(plain, {})).keep());  // nothing requested
  CHECK(f->check(want(plain, {F::kDialogue})).reason == "no_dialogue");
  CHECK(f->check(want(plain + " \"Hi!\" said Tom.", {F::kDialogue})).keep());
  CHECK(f->check(want(plain + " \xE2\x80\x9CHi!\xE2\x80\x9D said Tom.", {F::kDialogue})).keep());
  CHECK(f->check(want(plain, {F::kBadEnding})).reason == "no_bad_ending");
  CHECK(f->check(want(plain + " The ball was lost, and Lily cried.", {F::kBadEnding})).keep());
  // A sad word only at the start is not a bad ending.
  CHECK(f->check(want("Lily was sad. " + plain + " " + plain, {F::kBadEnding})).reason == "no_bad_ending");
  CHECK(f->check(want(plain, {F::kMoralValue})).reason == "no_moral");
  CHECK(f->check(want(plain + " She learned to share.", {F::kMoralValue})).keep());
  CHECK(f->check(want(plain, {F::kPlotTwist})).reason == "no_twist");
  CHECK(f->check(want(plain + " Suddenly the ball talked!", {F::kPlotTwist})).keep());
  CHECK(f->check(want(plain, {F::kForeshadowing})).reason == "no_foreshadowing");
  CHECK(f->check(want("Little did Lily know what would happen. " + plain, {F::kForeshadowing})).keep());
  CHECK(f->check(want(plain, {F::kConflict})).reason == "no_conflict");
  CHECK(f->check(want(plain + " Tom and Lily argued.", {F::kConflict})).keep());
  CHECK(f->check(want(plain + " Tom and Lily argued.", {F::kConflict, F::kMoralValue})).reason == "no_moral");
  auto no_dialogue_check = make_with("features", Settings().set("dialogue", false));
  CHECK(no_dialogue_check->check(want(plain, {F::kDialogue})).keep());

  const auto stories = builtin_stories(3000, 0.5);
  size_t with_features = 0;
  for (const auto& s : stories) with_features += s.prompt.features.bits != 0;
  CHECK(with_features > 2500);
  size_t failures = 0;
  for (const auto& s : stories)
    if (auto v = f->check(s); !v.keep() && ++failures <= 3) MESSAGE("dropped (" << v.reason << "): " << s.text());
  CHECK(failures == 0);
}
