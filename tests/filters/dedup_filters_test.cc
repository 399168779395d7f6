// minhash (planted near-duplicate pairs, determinism across thread counts, checkpoint
// state) and decontaminate (both modes, the report, state).
#include <doctest/doctest.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <random>
#include <set>

#include "base/json.h"
#include "base/rng.h"
#include "filters/filter.h"
#include "filters/text_norm.h"
#include "tests/filters/filter_testing.h"
#include "tests/support/testing.h"

using namespace primer;
using namespace primer::filters;
using filters::testing::make_with;
using filters::testing::Settings;
using filters::testing::text_doc;

namespace {

// The test's own reference: Jaccard similarity of word 5-gram sets (words already plain).
double jaccard5(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto grams = [](const std::vector<std::string>& w) {
    std::set<std::string> s;
    for (size_t i = 0; i + 5 <= w.size(); ++i)
      s.insert(w[i] + " " + w[i + 1] + " " + w[i + 2] + " " + w[i + 3] + " " + w[i + 4]);
    return s;
  };
  const auto x = grams(a), y = grams(b);
  size_t common = 0;
  for (const auto& g : x) common += y.count(g);
  return double(common) / double(x.size() + y.size() - common);
}

std::string join(const std::vector<std::string>& w) {
  std::string s;
  for (size_t i = 0; i < w.size(); ++i) {
    s += w[i];
    s += (i % 12 == 11) ? ". " : " ";
  }
  return s;
}

struct Planted {
  std::vector<base::Doc> docs;     // bases first, then the copies, interleaved by level
  std::vector<int> level;          // per doc: -1 base, else index into kLevels
  std::vector<double> similarity;  // per doc: the copy's true Jaccard to its base
};
constexpr double kLevels[] = {0.9, 0.8, 0.6, 0.3};

// `pairs` bases of 200 random words from a 5,000-word lexicon, and for each level `pairs`
// copies of distinct bases mutated (random word substitutions) until their word-5-gram
// Jaccard with the base is within 0.015 of the level.
Planted planted_corpus(size_t pairs) {
  std::vector<std::string> lexicon;
  base::Rng lex(42, "lexicon");
  for (size_t i = 0; i < 5000; ++i) {
    std::string w;
    const size_t len = 3 + lex.below(6);
    for (size_t k = 0; k < len; ++k) w.push_back(static_cast<char>('a' + lex.below(26)));
    lexicon.push_back(w);
  }
  const size_t bases = pairs * std::size(kLevels);
  std::vector<std::vector<std::string>> base(bases);
  base::Rng rng(7, "planted");
  Planted p;
  for (size_t b = 0; b < bases; ++b) {
    for (int i = 0; i < 200; ++i) base[b].push_back(lexicon[rng.below(lexicon.size())]);
    p.docs.push_back(text_doc(join(base[b])));
    p.level.push_back(-1);
    p.similarity.push_back(0);
  }
  for (size_t k = 0; k < pairs; ++k)
    for (size_t l = 0; l < std::size(kLevels); ++l) {
      const size_t b = l * pairs + k;
      std::vector<std::string> copy = base[b];
      double j = 1.0;
      while (j > kLevels[l] + 0.015) {
        copy[rng.below(copy.size())] = lexicon[rng.below(lexicon.size())];
        j = jaccard5(base[b], copy);
      }
      p.docs.push_back(text_doc(join(copy)));
      p.level.push_back(static_cast<int>(l));
      p.similarity.push_back(j);
    }
  for (size_t i = 0; i < p.docs.size(); ++i) {
    p.docs[i].prompt.index = i;
    p.docs[i].prompt.id = base::mix64(i + 1);
  }
  return p;
}

// Runs a chain over docs: prepare() in parallel on `threads` threads, decide() in order.
std::vector<std::string> run_chain(FilterChain& chain, const std::vector<base::Doc>& docs, int threads) {
  std::vector<Prepared> prepared(docs.size());
  tbb::task_arena arena(threads);
  arena.execute(
      [&] { tbb::parallel_for(size_t(0), docs.size(), [&](size_t i) { prepared[i] = chain.prepare(docs[i]); }); });
  std::vector<std::string> verdicts;
  for (const auto& p : prepared) {
    const Verdict v = chain.decide(p);
    verdicts.emplace_back(v.keep() ? "keep" : std::string(v.reason));
  }
  return verdicts;
}

std::unique_ptr<FilterChain> minhash_chain(Settings s = {}) {
  std::vector<std::unique_ptr<Filter>> list;
  list.push_back(make_with("exact_dedup"));
  list.push_back(make_with("minhash", s));
  return std::make_unique<FilterChain>(std::move(list));
}

}  // namespace

TEST_CASE("text normalisation: lower case, digits folded, punctuation and accents removed") {
  NormalizedWords a, b;
  normalize_words(
      "The Caf\xC3\xA9, 123 apples\xE2\x80\x94"
      "and 4.5 pears!",
      a);
  CHECK(a.text == "the cafe 0 apples and 0 0 pears");
  CHECK(a.words.size() == 8);
  normalize_words("  THE  cafe\t0 APPLES - and 7 8 Pears ", b);
  CHECK(b.text == a.text);
  normalize_words(
      "\xC3\x9C"
      "ber \xC3\x85ngstr\xC3\xB6m's \xE2\x80\x9Cna\xC3\xAFve\xE2\x80\x9D",
      a);  // Über Ångström's “naïve”
  CHECK(a.text == "uber angstrom s naive");
  normalize_words("", a);
  CHECK(a.words.empty());
}

TEST_CASE("text normalisation: the byte-table path gives ICU's words on every ASCII text") {
  // Random texts over letters, digits, ASCII punctuation, spaces, General Punctuation
  // (U+2014, U+201C, U+2026, U+206F) and, in some, a character outside it (U+00E9, which
  // sends the whole text to ICU) or an ill-formed byte.
  // Long runs of letters, digits and separators cross the 64-byte blocks of the AVX2 path.
  // clang-format off
  const char* pieces[] = {"a", "Z", "q", "7", "0", "42", " ", "  ", "\t", "\n", ".", ",", "-", "'", "_", "~",
                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "12345678901234567890123456789012345",
                          " ,.;:!?-()[]{}<>/\\|@#$%^&*+=~`\"'",
                          "\xE2\x80\x94", "\xE2\x80\x9C", "\xE2\x80\xA6", "\xE2\x81\xAF", "\xE2\x81\xB0",
                          "\xC3\xA9", "\xFF"};
  // clang-format on
  std::mt19937_64 rng(11);
  NormalizedWords fast, icu;
  for (int t = 0; t < 6000; ++t) {
    std::string text;
    const size_t n = rng() % (t % 2 ? 20 : 120);
    const size_t kinds = t % 3 == 0 ? std::size(pieces) : std::size(pieces) - 3;
    for (size_t i = 0; i < n; ++i) text += pieces[rng() % kinds];
    normalize_words(text, fast);
    normalize_words_icu(text, icu);
    INFO("text: " << text);
    REQUIRE(fast.text == icu.text);
    REQUIRE(fast.words == icu.words);
  }
}

TEST_CASE("minhash: planted near-duplicate pairs (recall, false positives, determinism)") {
  const Planted p = planted_corpus(200);
  auto chain = minhash_chain();
  const auto verdicts = run_chain(*chain, p.docs, 2);
  size_t removed[4] = {}, total[4] = {};
  double sim[4] = {};
  size_t bases_removed = 0;
  for (size_t i = 0; i < p.docs.size(); ++i) {
    if (p.level[i] < 0) {
      bases_removed += verdicts[i] != "keep";
      continue;
    }
    ++total[p.level[i]];
    sim[p.level[i]] += p.similarity[i];
    if (verdicts[i] == "near_duplicate") ++removed[p.level[i]];
  }
  for (int l = 0; l < 4; ++l)
    MESSAGE("J ~ " << kLevels[l] << " (mean " << sim[l] / double(total[l]) << "): " << removed[l] << " of " << total[l]
                   << " removed");
  CHECK(bases_removed == 0);
  CHECK(double(removed[0] + removed[1]) >= 0.95 * double(total[0] + total[1]));  // pairs >= 0.8
  CHECK(double(removed[0]) >= 0.98 * double(total[0]));
  CHECK(double(removed[3]) < 0.01 * double(total[3]));  // pairs <= 0.5
  CHECK(removed[2] < total[2] / 4);                     // 0.6 is below the 0.7 threshold

  // The same verdicts whatever the thread count.
  for (int threads : {1, 3, 8}) {
    auto again = minhash_chain();
    CHECK(run_chain(*again, p.docs, threads) == verdicts);
  }
  // Exact verification agrees on the clear cases.
  auto exact = minhash_chain(Settings().set("verify", "exact"));
  const auto ev = run_chain(*exact, p.docs, 2);
  size_t exact_high = 0, exact_low = 0;
  for (size_t i = 0; i < p.docs.size(); ++i) {
    if (p.level[i] == 0) exact_high += ev[i] == "near_duplicate";
    if (p.level[i] == 3 || p.level[i] < 0) exact_low += ev[i] != "keep";
  }
  CHECK(exact_high >= total[0] * 98 / 100);
  CHECK(exact_low == 0);
  // Without verification every bucket collision drops: at least as many removals.
  auto none = minhash_chain(Settings().set("verify", "none"));
  const auto nv = run_chain(*none, p.docs, 2);
  CHECK(std::count(nv.begin(), nv.end(), "near_duplicate") >=
        std::count(verdicts.begin(), verdicts.end(), "near_duplicate"));
}

TEST_CASE("minhash: first occurrence kept, checkpoint deltas restore the index") {
  const Planted p = planted_corpus(40);
  auto reference = make_with("minhash");
  auto& r = static_cast<OrderedFilter&>(*reference);
  std::vector<std::string> expected;
  for (const auto& d : p.docs) {
    const Verdict v = r.admit(r.key(d));
    expected.emplace_back(v.keep() ? "keep" : std::string(v.reason));
  }
  CHECK(std::count(expected.begin(), expected.end(), "near_duplicate") >= 40);
  // Without a journal (primer filter): the same verdicts, and no delta kept.
  FilterContext no_journal;
  no_journal.journal = false;
  auto unjournaled = make_with("minhash", {}, no_journal);
  auto& u = static_cast<OrderedFilter&>(*unjournaled);
  for (size_t i = 0; i < p.docs.size(); ++i) {
    const Verdict v = u.admit(u.key(p.docs[i]));
    CHECK((v.keep() ? std::string("keep") : std::string(v.reason)) == expected[i]);
  }
  CHECK(u.take_state_delta().size() == 8);  // header only
  // A copy of doc 0 placed first would win instead: the first in order is kept.
  auto first = make_with("minhash");
  auto& f = static_cast<OrderedFilter&>(*first);
  CHECK(f.admit(f.key(p.docs[0])).keep());
  CHECK(f.admit(f.key(p.docs[0])).reason == "near_duplicate");

  // Split the stream into three checkpoints; a fresh filter restores the deltas.
  auto a = make_with("minhash");
  auto& fa = static_cast<OrderedFilter&>(*a);
  std::vector<std::string> deltas;
  const size_t cut1 = p.docs.size() / 3, cut2 = 2 * p.docs.size() / 3;
  for (size_t i = 0; i < cut2; ++i) {
    fa.admit(fa.key(p.docs[i]));
    if (i + 1 == cut1) deltas.push_back(fa.take_state_delta());
  }
  deltas.push_back(fa.take_state_delta());
  CHECK(fa.take_state_delta().size() == 8);  // header only: nothing new
  auto b = make_with("minhash");
  auto& fb = static_cast<OrderedFilter&>(*b);
  for (const auto& d : deltas) fb.restore_state_delta(d);
  for (size_t i = cut2; i < p.docs.size(); ++i) {
    const Verdict v = fb.admit(fb.key(p.docs[i]));
    CHECK((v.keep() ? std::string("keep") : std::string(v.reason)) == expected[i]);
  }
  CHECK_THROWS(fb.restore_state_delta("garbage!"));
  auto other = make_with("minhash", Settings().set("bands", 10.0));
  CHECK_THROWS(static_cast<OrderedFilter&>(*other).restore_state_delta(deltas[0]));
}

TEST_CASE("minhash: settings are checked") {
  CHECK_THROWS_WITH(make_with("minhash", Settings().set("bands", 0.0)), doctest::Contains("bands"));
  CHECK_THROWS_WITH(make_with("minhash", Settings().set("bands", 100.0).set("rows", 20.0)), doctest::Contains("rows"));
  CHECK_THROWS_WITH(make_with("minhash", Settings().set("verify", "maybe")), doctest::Contains("verify"));
  CHECK_THROWS_WITH(make_with("minhash", Settings().set("threshold", 0.0)), doctest::Contains("threshold"));
  // Short documents (fewer words than the n-gram) are compared whole.
  auto f = make_with("minhash");
  auto& o = static_cast<OrderedFilter&>(*f);
  CHECK(o.admit(o.key(text_doc("Hello there!"))).keep());
  CHECK(o.admit(o.key(text_doc("hello, THERE"))).reason == "near_duplicate");
  CHECK(o.admit(o.key(text_doc("Goodbye there"))).keep());
}

namespace {

const char* kItemA =
    "The quick brown fox jumps over the lazy dog while the farmer watches from the old red barn near the river";
const char* kItemB = "Which planet is known as the red planet and has two small moons called Phobos and Deimos";

FilterContext eval_context(const primer::testing::TempDir& dir) {
  primer::testing::write_file(dir / "eval.jsonl", std::string("{\"text\": \"") + kItemA + "\", \"label\": 1}\n\n" +
                                                      "{\"text\": \"" + kItemB + "\"}\n{\"text\": \"too short\"}\n");
  primer::testing::write_file(
      dir / "eval.txt", "Once upon a time there was a little girl who lived in a house made of candy and sweets\n");
  FilterContext ctx;
  ctx.out_dir = dir.path();
  return ctx;
}

std::string verdict(OrderedFilter& f, const base::Doc& d) {
  const Verdict v = f.admit(f.key(d));
  return v.keep() ? "keep" : std::string(v.reason);
}

}  // namespace

TEST_CASE("decontaminate: 13-gram overlap, report of items and documents, state") {
  primer::testing::TempDir dir;
  const FilterContext ctx = eval_context(dir);
  Settings s;
  s.set("eval_sets", std::vector<std::string>{(dir / "eval.jsonl").string(), (dir / "eval.txt").string()});
  auto f = make_with("decontaminate", s, ctx);
  auto& o = static_cast<OrderedFilter&>(*f);
  const std::string story = "Lily and Tom went to the park to play with a big red ball on a sunny day. ";
  // 13 consecutive words of item A, in other case and punctuation.
  auto leak =
      text_doc(story + "THE QUICK BROWN FOX, jumps over the lazy dog -- while the farmer watches from! " + story, 5);
  auto near = text_doc(story + "the quick brown fox jumps over the lazy dog while the farmer looked " + story, 6);
  auto leak2 = text_doc(story + "once upon a time there was a little girl who lived in a house made of candy.", 9);
  auto both = text_doc(std::string(kItemA) + " and " + kItemB, 11);
  CHECK(verdict(o, text_doc(story, 1)) == "keep");
  CHECK(verdict(o, leak) == "contaminated");
  CHECK(verdict(o, near) == "keep");  // 12 words in a row only
  CHECK(verdict(o, leak2) == "contaminated");
  CHECK(verdict(o, both) == "contaminated");
  const std::string delta = o.take_state_delta();
  CHECK_FALSE(std::filesystem::exists(dir / "decontamination.json"));  // written by the end-of-run hook only
  o.write_outputs();
  const std::string report = primer::testing::read_file(dir / "decontamination.json");
  CHECK(report.find("\"documents\": 3") != std::string::npos);
  CHECK(report.find("\"items_hit\": 3") != std::string::npos);
  CHECK(report.find("\"short_items\": 1") != std::string::npos);
  CHECK(report.find("\"line\": 1") != std::string::npos);  // item A is line 1 of eval.jsonl
  CHECK(report.find("\"line\": 3") != std::string::npos);  // item B is line 3 (after a blank line)
  CHECK(report.find(base::hex64(leak.prompt.id)) != std::string::npos);
  CHECK(report.find("\"index\": 11") != std::string::npos);
  CHECK(report.find("\"index\": 6") == std::string::npos);

  // A fresh filter restored from the delta writes the same report.
  primer::testing::TempDir dir2;
  FilterContext ctx2 = ctx;
  ctx2.out_dir = dir2.path();
  auto g = make_with("decontaminate", s, ctx2);
  auto& og = static_cast<OrderedFilter&>(*g);
  og.restore_state_delta(delta);
  og.write_outputs();
  CHECK(primer::testing::read_file(dir2 / "decontamination.json") == report);
  CHECK_THROWS(og.restore_state_delta("xyz"));
}

TEST_CASE("decontaminate: an item's preview in the report is cut at a whole character") {
  primer::testing::TempDir dir;
  // 79 ASCII bytes, then two-byte characters: byte 80 is the middle of "é".
  const std::string item = std::string(79, 'a').replace(9, 1, " ").replace(39, 1, " ") +
                           "été café crème brûlée déjà vu à la carte père mère frère sœur cœur";
  primer::testing::write_file(dir / "eval.txt", item + "\n");
  FilterContext ctx;
  ctx.out_dir = dir.path();
  Settings s;
  s.set("eval_sets", std::vector<std::string>{(dir / "eval.txt").string()});
  auto f = make_with("decontaminate", s, ctx);
  auto& o = static_cast<OrderedFilter&>(*f);
  CHECK(verdict(o, text_doc("We read: " + item + " and more.", 1)) == "contaminated");
  o.write_outputs();
  const std::string report = primer::testing::read_file(dir / "decontamination.json");
  CHECK(report.find(std::string(39, 'a') + "…\"") != std::string::npos);
  CHECK(report.find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD for a split character
}

TEST_CASE("decontaminate: fraction mode (10-gram candidates, matched share of the item)") {
  primer::testing::TempDir dir;
  FilterContext ctx = eval_context(dir);
  ctx.out_dir.clear();
  Settings s;
  s.set("eval_sets", (dir / "eval.jsonl").string().c_str()).set("mode", "fraction");
  auto f = make_with("decontaminate", s, ctx);
  auto& o = static_cast<OrderedFilter&>(*f);
  // 10 of item A's 21 words (40 of 85 letters): a candidate, but under half of it.
  CHECK(verdict(o, text_doc("Look: the quick brown fox jumps over the lazy dog while a cat sleeps.")) == "keep");
  // 16 of 21 words.
  CHECK(verdict(o, text_doc("Look: the quick brown fox jumps over the lazy dog while the farmer watches from the old "
                            "blue house.")) == "contaminated");
  CHECK(verdict(o, text_doc(kItemB)) == "contaminated");
}

TEST_CASE("decontaminate: settings and files are checked") {
  primer::testing::TempDir dir;
  CHECK_THROWS_WITH(make_with("decontaminate"), doctest::Contains("eval_sets is required"));
  CHECK_THROWS_WITH(make_with("decontaminate", Settings().set("eval_sets", "/no/such.jsonl")),
                    doctest::Contains("does not exist"));
  primer::testing::write_file(dir / "bad.jsonl", "{\"text\": \"fine\"}\n{\"question\": \"no text\"}\n");
  CHECK_THROWS_WITH(make_with("decontaminate", Settings().set("eval_sets", (dir / "bad.jsonl").string().c_str())),
                    doctest::Contains("bad.jsonl:2: not a JSON object with a string \"text\""));
  primer::testing::write_file(dir / "q.jsonl",
                              "{\"question\": \"what is the colour of the sky on a clear day at noon in summer\"}\n");
  auto f = make_with("decontaminate",
                     Settings().set("eval_sets", (dir / "q.jsonl").string().c_str()).set("text_field", "question"));
  auto& o = static_cast<OrderedFilter&>(*f);
  CHECK(verdict(o, text_doc("So what is the colour of the sky on a clear day at noon in summer? Blue.")) ==
        "contaminated");
  CHECK_THROWS_WITH(
      make_with("decontaminate", Settings().set("eval_sets", (dir / "q.jsonl").string().c_str()).set("mode", "x")),
      doctest::Contains("mode"));
}

TEST_CASE("minhash: clustering in prompt order: a chain A ~ B ~ C keeps only A; cluster = false keeps C") {
  // 200 words; B changes 5 words of A and C 5 other words of B: word-5-gram Jaccard
  // A~B = B~C ≈ 0.77 (near duplicates at threshold 0.7), A~C ≈ 0.59 (not).
  auto word = [](int n) {  // letters only: normalisation folds digits
    std::string w = "w";
    for (int k = 0; k < 3; ++k, n /= 26) w.push_back(static_cast<char>('a' + n % 26));
    return w;
  };
  std::vector<std::string> a;
  for (int i = 0; i < 200; ++i) a.push_back(word(i * 7919 % 10000));
  auto join = [](const std::vector<std::string>& w) {
    std::string s;
    for (const auto& x : w) s.append(s.empty() ? "" : " ").append(x);
    return s;
  };
  std::vector<std::string> b = a;
  for (int i : {20, 60, 100, 140, 180}) b[i] = word(20000 + i);
  std::vector<std::string> c = b;
  for (int i : {40, 80, 120, 160, 195}) c[i] = word(30000 + i);
  const auto A = text_doc(join(a), 0), B = text_doc(join(b), 1), C = text_doc(join(c), 2);
  auto filter = [](bool cluster) {
    return make_with("minhash",
                     Settings().set("cluster", cluster).set("bands", 40.0).set("rows", 3.0).set("threshold", 0.7));
  };
  auto run = [&](bool cluster) {
    auto f = filter(cluster);
    auto& o = static_cast<OrderedFilter&>(*f);
    std::string verdicts;
    for (const auto* d : {&A, &B, &C}) verdicts += o.admit(o.key(*d)).keep() ? 'k' : 'd';
    auto g = filter(cluster);  // A and C alone are not near duplicates
    auto& og = static_cast<OrderedFilter&>(*g);
    og.admit(og.key(A));
    verdicts += og.admit(og.key(C)).keep() ? 'k' : 'd';
    return verdicts;
  };
  CHECK(run(true) == "kddk");
  CHECK(run(false) == "kdkk");
}

TEST_CASE("decontaminate: evaluation sets compressed with zstd (.jsonl.zst), truncated ones named") {
  primer::testing::TempDir dir;
  const FilterContext ctx = eval_context(dir);
  REQUIRE(primer::testing::run_command({"/usr/bin/zstd", "-q", "-k", (dir / "eval.jsonl").string()}).exit_code == 0);
  Settings s;
  s.set("eval_sets", (dir / "eval.jsonl.zst").string().c_str());
  auto f = make_with("decontaminate", s, ctx);
  auto& o = static_cast<OrderedFilter&>(*f);
  const std::string story = "Lily and Tom went to the park to play with a big red ball on a sunny day. ";
  CHECK(verdict(o, text_doc(story, 1)) == "keep");
  CHECK(verdict(o, text_doc(story + kItemA, 2)) == "contaminated");
  // a cut-off file is an error that names it
  const std::string bytes = primer::testing::read_file(dir / "eval.jsonl.zst");
  primer::testing::write_file(dir / "cut.jsonl.zst", bytes.substr(0, bytes.size() - 4));
  Settings cut;
  cut.set("eval_sets", (dir / "cut.jsonl.zst").string().c_str());
  CHECK_THROWS_WITH(make_with("decontaminate", cut, ctx), doctest::Contains("cut.jsonl.zst"));
}
