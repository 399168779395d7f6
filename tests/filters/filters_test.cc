#include <doctest/doctest.h>

#include <map>
#include <optional>

#include "filters/filter.h"
#include "tests/filters/filter_testing.h"
#include "vocab/vocabulary.h"

using namespace primer::filters;
using primer::base::Doc;
using primer::vocab::Pos;
using primer::vocab::Vocabulary;

namespace {

// Settings from maps (tests/filters/filter_testing.h).
using MapSettings = primer::filters::testing::Settings;

const Vocabulary& test_vocab() {
  static const Vocabulary v = Vocabulary::parse(
      "dog noun\nball noun\nrun verb past=ran pp=run\nsee verb past=saw pp=seen\nbig adj\nred adj\n"
      "the func\na func\nand func\nwas func\nit func\nhe func\nLily name\n",
      "test");
  return v;
}

Doc make_doc(std::string text, std::string_view verb = "run", std::string_view noun = "dog",
             std::string_view adj = "big", std::string finish = "stop") {
  const Vocabulary& v = test_vocab();
  Doc d;
  d.prompt.verb = static_cast<uint32_t>(v.find(verb, Pos::kVerb));
  d.prompt.noun = static_cast<uint32_t>(v.find(noun, Pos::kNoun));
  d.prompt.adjective = static_cast<uint32_t>(v.find(adj, Pos::kAdj));
  d.prompt.verb_word = verb;
  d.prompt.noun_word = noun;
  d.prompt.adjective_word = adj;
  d.reply.text = std::move(text);
  d.reply.finish_reason = std::move(finish);
  return d;
}

std::unique_ptr<Filter> make(std::string_view kind, MapSettings s = {}) {
  FilterContext ctx;
  ctx.vocab = &test_vocab();
  return make_filter(kind, s, ctx);
}

}  // namespace

TEST_CASE("vocab filter: keeps conforming text, drops OOV and missing words") {
  auto f = make("vocab");
  CHECK(f->name() == "vocab");
  CHECK(f->check(make_doc("Lily ran and the big dog ran.")).keep());
  CHECK(f->check(make_doc("The dog was big. It ran.")).keep());
  CHECK(f->check(make_doc("The dog was big. It ran quantumly.")).reason == "oov_rate");
  CHECK(f->check(make_doc("The dog was red. It ran.")).reason == "missing_words");  // no "big"
  CHECK(f->check(make_doc("The dog was big.")).reason == "missing_words");          // no "run"
  MapSettings lenient;
  lenient.numbers["max_oov_rate"] = 0.2;
  lenient.bools["require_words"] = false;
  auto g = make("vocab", lenient);
  CHECK(g->check(make_doc("The dog was red. It ran quantumly.")).keep());  // 1/7 OOV, words not required
  CHECK(g->check(make_doc("Quantum flux capacitor dog.")).reason == "oov_rate");
  MapSettings bad;
  bad.numbers["max_oov_rate"] = 1.5;
  CHECK_THROWS_WITH(make("vocab", bad), doctest::Contains("max_oov_rate must be between 0 and 1"));
}

TEST_CASE("length filter: bounds in words") {
  MapSettings s;
  s.numbers["min_words"] = 3;
  s.numbers["max_words"] = 5;
  auto f = make("length", s);
  CHECK(f->check(make_doc("one two")).reason == "too_short");
  CHECK(f->check(make_doc("one two three")).keep());
  CHECK(f->check(make_doc("one, two; three-four five.")).keep());
  CHECK(f->check(make_doc("one two three four five six")).reason == "too_long");
  CHECK(make("length")->check(make_doc("too short")).reason == "too_short");  // default min 50
  MapSettings bad;
  bad.numbers["min_words"] = 10;
  bad.numbers["max_words"] = 5;
  CHECK_THROWS(make("length", bad));
}

TEST_CASE("truncation filter") {
  auto f = make("truncation");
  CHECK(f->check(make_doc("It ran.")).keep());
  CHECK(f->check(make_doc("\"Run!\" he said?\n\n")).keep());
  CHECK(f->check(make_doc("He said, \"Run.\"")).keep());
  CHECK(f->check(make_doc("He said, \xE2\x80\x9CRun.\xE2\x80\x9D")).keep());
  CHECK(f->check(make_doc("It ran.", "run", "dog", "big", "length")).reason == "finish_length");
  CHECK(f->check(make_doc("The dog ran to the")).reason == "no_terminal_punct");
  CHECK(f->check(make_doc("")).reason == "no_terminal_punct");
  // Chinese and Japanese sentence ends, with their closing quotes and brackets
  CHECK(f->check(make_doc("他们一起玩了很久。")).keep());
  CHECK(f->check(make_doc("小明说：「你好！」\n")).keep());
  CHECK(f->check(make_doc("真的吗？』）")).keep());
  CHECK(f->check(make_doc("他们一起玩了")).reason == "no_terminal_punct");
  CHECK(f->check(make_doc("小明说：「你好")).reason == "no_terminal_punct");
  CHECK(f->check(make_doc("\"")).reason == "no_terminal_punct");
}

TEST_CASE("exact dedup: first occurrence wins, normalisation, state round trip") {
  auto f = make("exact_dedup");
  REQUIRE(f->ordered());
  auto& d = static_cast<OrderedFilter&>(*f);
  const auto a = d.key(make_doc("The dog ran."));
  const auto a2 = d.key(make_doc("  the   DOG\n ran. "));
  const auto b = d.key(make_doc("The dog ran!"));
  // Only ASCII letters fold; other bytes (UTF-8, control characters) are kept as they are.
  const auto same = [&](const char* x, const char* y) {
    const auto kx = d.key(make_doc(x)), ky = d.key(make_doc(y));
    return kx.hash[0] == ky.hash[0] && kx.hash[1] == ky.hash[1];
  };
  CHECK(same("\tCaf\xC3\x89\r\n  AU\x01Z@[  ", "caf\xC3\x89 au\x01z@["));
  CHECK(!same("caf\xC3\x89", "caf\xC3\xA9"));
  CHECK(d.admit(a).keep());
  CHECK(d.admit(a2).reason == "duplicate");
  CHECK(d.admit(b).keep());
  const std::string delta = d.take_state_delta();
  CHECK(delta.size() == 32);
  CHECK(d.take_state_delta().empty());

  auto g = make("exact_dedup");
  auto& e = static_cast<OrderedFilter&>(*g);
  e.restore_state_delta(delta);
  CHECK(e.admit(a).reason == "duplicate");
  CHECK(e.admit(b).reason == "duplicate");
  CHECK(e.admit(e.key(make_doc("Something else."))).keep());
  CHECK_THROWS(e.restore_state_delta("abc"));
}

TEST_CASE("chain: first drop wins, counts per filter and reason, ordered filters see only survivors") {
  std::vector<std::unique_ptr<Filter>> list;
  list.push_back(make("truncation"));
  list.push_back(make("exact_dedup"));
  list.push_back(make("vocab"));
  FilterChain chain(std::move(list));
  const std::vector<Doc> docs = {
      make_doc("The big dog ran."),                             // kept
      make_doc("The big dog ran."),                             // duplicate
      make_doc("The big dog ran to the", "run", "dog", "big"),  // truncated: never reaches dedup
      make_doc("The big dog ran to the", "run", "dog", "big"),  // truncated again
      make_doc("The red dog ran."),                             // missing "big"
      make_doc("The red dog ran."),                             // duplicate (dedup precedes vocab)
      make_doc("A big dog ran quantumly."),                     // OOV
  };
  std::vector<std::string> verdicts;
  for (const auto& d : docs) {
    const Prepared p = chain.prepare(d);
    const Verdict v = chain.decide(p);
    verdicts.emplace_back(v.keep() ? "keep" : std::string(v.reason));
  }
  CHECK(verdicts == std::vector<std::string>{"keep", "duplicate", "no_terminal_punct", "no_terminal_punct",
                                             "missing_words", "duplicate", "oov_rate"});
  const auto& c = chain.counts();
  REQUIRE(c.size() == 3);
  CHECK(c[0].name == "truncation");
  CHECK(c[0].seen == 7);
  CHECK(c[0].kept == 5);
  CHECK(c[1].seen == 5);
  CHECK(c[1].kept == 3);
  CHECK(c[2].seen == 3);
  CHECK(c[2].kept == 1);
  auto dropped = [&](size_t i, std::string_view reason) {
    for (const auto& [r, n] : c[i].dropped)
      if (r == reason) return n;
    return uint64_t(999);
  };
  CHECK(dropped(0, "no_terminal_punct") == 2);
  CHECK(dropped(0, "finish_length") == 0);  // declared reasons are listed with zeros
  CHECK(dropped(1, "duplicate") == 2);
  CHECK(dropped(2, "missing_words") == 1);
  CHECK(dropped(2, "oov_rate") == 1);
}

TEST_CASE("chain: says who dropped a document, hands drops to the reject sink, saves ordered state") {
  std::vector<std::unique_ptr<Filter>> list;
  list.push_back(make("truncation"));
  list.push_back(make("exact_dedup"));
  FilterChain chain(std::move(list));
  std::vector<std::string> sunk;
  chain.set_reject_sink([&](const Decision& d, std::string_view record, std::string_view text) {
    sunk.push_back(std::string(d.by) + "/" + std::string(d.reason) + "/" + std::string(record) + "/" +
                   std::string(text));
  });
  const Doc a = make_doc("The big dog ran."), cut = make_doc("The big dog ran to the");
  const Decision kept = chain.decide(chain.prepare(a), "r1", "t1");
  CHECK(kept.keep());
  CHECK(kept.filter == -1);
  CHECK(kept.by.empty());
  const Decision dup = chain.decide(chain.prepare(a), "r2", "t2");
  CHECK(dup.reason == "duplicate");
  CHECK(dup.filter == 1);
  CHECK(dup.by == "exact_dedup");
  const Decision trunc = chain.decide(chain.prepare(cut));
  CHECK(trunc.filter == 0);
  CHECK(sunk == std::vector<std::string>{"exact_dedup/duplicate/r2/t2", "truncation/no_terminal_punct//"});

  std::vector<std::pair<size_t, size_t>> saved;  // (filter, delta bytes)
  std::string delta;
  chain.save_state([&](size_t i, const std::string& d) {
    saved.emplace_back(i, d.size());
    delta = d;
  });
  CHECK(saved == std::vector<std::pair<size_t, size_t>>{{1, 16}});
  chain.write_outputs();  // no filter here reports anything: nothing happens

  std::vector<std::unique_ptr<Filter>> again;
  again.push_back(make("truncation"));
  again.push_back(make("exact_dedup"));
  FilterChain fresh(std::move(again));
  fresh.restore_state(1, delta);
  CHECK(fresh.decide(fresh.prepare(a)).by == "exact_dedup");
  CHECK_THROWS(fresh.restore_state(0, delta));
}

TEST_CASE("registry knows its kinds and names the unknown one") {
  CHECK(filter_kinds().size() >= 4);
  CHECK_THROWS_WITH(make("vocabulary"), doctest::Contains("unknown filter kind 'vocabulary' (known: vocab, length"));
}

TEST_CASE("vocab filter: a Chinese list, segmented by its own words") {
  static const Vocabulary zh = Vocabulary::parse(
      "# language: zh\n我 func\n有 verb\n一 func\n只 func\n个 func\n小猫 noun\n猫 noun\n它 func\n很 adv\n"
      "可爱 adj\n跑 verb\n",
      "zh.txt");
  FilterContext ctx;
  ctx.vocab = &zh;
  MapSettings strict;
  strict.numbers["max_oov_rate"] = 0.0;
  auto f = make_filter("vocab", strict, ctx);
  // ICU's dictionary alone would read 我有 as one (unlisted) word.
  CHECK(f->check(primer::filters::testing::text_doc("我有一只小猫，它很可爱！")).keep());
  // 狗 (dog) is not listed: one OOV token of five is too many at max_oov_rate = 0.
  CHECK(f->check(primer::filters::testing::text_doc("我有一只狗。")).reason == "oov_rate");
  // Required words are found in the list's segmentation.
  Doc d = primer::filters::testing::text_doc("我的猫很可爱。它跑了。");
  d.prompt.verb = static_cast<uint32_t>(zh.find("跑", Pos::kVerb));
  d.prompt.noun = static_cast<uint32_t>(zh.find("猫", Pos::kNoun));
  d.prompt.adjective = static_cast<uint32_t>(zh.find("可爱", Pos::kAdj));
  d.prompt.verb_word = "跑";
  MapSettings lenient;
  lenient.numbers["max_oov_rate"] = 0.5;
  auto g = make_filter("vocab", lenient, ctx);
  CHECK(g->check(d).keep());                  // 的 and 了 are not listed: 2 of 8 tokens
  d.reply.text = "我的小猫很可爱。它跑了。";  // 小猫 is its own word: no 猫
  CHECK(g->check(d).reason == "missing_words");
}
