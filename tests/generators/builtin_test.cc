// Tests of the builtin teacher over thousands of sampled prompts. Features are detected
// with the test's own simple heuristics (marker phrases written here, not shared with
// the writer), so a change to the writer's banks that breaks a feature shows up here.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/rng.h"
#include "generators/builtin.h"
#include "prompts/prompt.h"
#include "tests/support/testing.h"

namespace primer::generators {
namespace {

using base::Feature;
using base::PromptSpec;
using base::Reply;

const prompts::TinyStoriesSampler& sampler() {
  static const prompts::TinyStoriesSampler s(
      testing::default_vocabulary(),
      prompts::PromptTemplate::load(testing::source_path("prompts/tinystories.txt"),
                                    prompts::TinyStoriesSampler::placeholders()),
      prompts::TinyStoriesOptions{});
  return s;
}

std::vector<PromptSpec> sample_prompts(uint64_t seed, size_t n) {
  std::vector<PromptSpec> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(sampler().sample(seed, i));
  return out;
}

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }
bool contains_any(std::string_view text, std::initializer_list<std::string_view> list) {
  for (auto w : list)
    if (contains(text, w)) return true;
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

// Sentences split at ". ", "! ", "? " (quotes kept with their sentence well enough).
std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    cur.push_back(text[i]);
    const char c = text[i];
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// ---- the test's own feature heuristics ----
bool has_dialogue(const std::string& t) {
  const auto quotes = std::count(t.begin(), t.end(), '"');
  return quotes >= 2 && quotes % 2 == 0 && contains_any(t, {"said", "asked", "cried"});
}
bool is_moral_sentence(const std::string& s) {
  const std::string l = lower(s);
  return contains_any(l, {"learned that", "the lesson", "moral of"});
}
bool has_moral(const std::string& t) {
  for (const auto& s : sentences(t))
    if (is_moral_sentence(s)) return true;
  return false;
}
bool has_twist(const std::string& t) { return contains_any(lower(t), {"surprise", "could not believe", "suddenly"}); }
bool has_conflict(const std::string& t) { return contains_any(lower(t), {"argu", "fight", "fought", "both wanted"}); }
// Setup and payoff: "remembered the X" late in the story, with X in the first paragraph.
bool has_foreshadowing(const std::string& t) {
  const auto paras = paragraphs(t);
  for (size_t p = 1; p < paras.size(); ++p) {
    const size_t at = paras[p].find("remembered the ");
    if (at == std::string::npos) continue;
    const size_t start = at + std::string_view("remembered the ").size();
    size_t end = start;
    while (end < paras[p].size() && paras[p][end] >= 'a' && paras[p][end] <= 'z') ++end;
    const std::string object = paras[p].substr(start, end - start);
    if (!object.empty() && contains(paras[0], " " + object)) return true;
  }
  return false;
}
// The ending: the last paragraph without its moral sentences.
std::string ending(const std::string& t) {
  const auto paras = paragraphs(t);
  for (size_t p = paras.size(); p-- > 0;) {
    std::string rest;
    for (const auto& s : sentences(paras[p]))
      if (!is_moral_sentence(s)) rest += s;
    if (!rest.empty()) return lower(rest);
  }
  return {};
}
const std::initializer_list<std::string_view> kSadWords = {"sad", "cried", "cry", "never", "gone", "lost"};
const std::initializer_list<std::string_view> kHappyWords = {"happy", "smile",     "laugh", "fun", "best",
                                                             "great", "wonderful", "hug",   "glad"};
bool sad_ending(const std::string& t) {
  const std::string e = ending(t);
  return contains_any(e, kSadWords) && !contains_any(e, kHappyWords);
}
bool happy_ending(const std::string& t) {
  const std::string e = ending(t);
  return contains_any(e, kHappyWords) && !contains_any(e, kSadWords);
}

// Word 5-gram shingles, hashed, sorted and unique.
std::vector<uint64_t> shingles(const std::string& text) {
  std::vector<uint64_t> words;
  std::string folded;
  vocab::segment_words(text, [&](std::string_view w) {
    vocab::fold_word(w, folded);
    words.push_back(base::hash_label(folded));
  });
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 5 <= words.size(); ++i) {
    uint64_t h = 0;
    for (size_t k = 0; k < 5; ++k) h = base::mix64(h ^ words[i + k]);
    out.push_back(h);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
double jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) ++common, ++i, ++j;
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  const size_t uni = a.size() + b.size() - common;
  return uni ? double(common) / double(uni) : 0.0;
}

size_t word_count(const std::string& t) {
  size_t n = 0;
  vocab::segment_words(t, [&](std::string_view) { ++n; });
  return n;
}

bool ends_with_terminal(const std::string& t) {
  return !t.empty() && (t.back() == '.' || t.back() == '!' || t.back() == '?' || t.back() == '"');
}

// True if one of the required words is itself a marker of the heuristic (the noun
// "surprise" in a story without a twist), so absence cannot be checked.
bool words_overlap(const PromptSpec& p, std::initializer_list<std::string_view> markers) {
  for (auto w : p.words())
    for (auto m : markers)
      if (contains(lower(w), m) || contains(m, lower(w))) return true;
  return false;
}

TEST_CASE("clean stories use the required words, only vocabulary words, and every requested feature") {
  const auto& vocab = testing::default_vocabulary();
  const BuiltinTeacher teacher(vocab, {});
  const auto prompts = sample_prompts(1, 5000);
  std::map<std::string, int> failures;
  size_t once_upon = 0, total_words = 0, min_words = SIZE_MAX, max_words = 0;
  int requested[base::kFeatureCount] = {};
  for (const auto& p : prompts) {
    const Reply r = teacher.complete(p);
    const std::string& t = r.text;
    auto fail = [&](const std::string& what) {
      if (failures[what]++ < 3) MESSAGE(what << " (prompt " << p.index << "): " << t);
    };
    if (r.finish_reason != "stop") fail("finish_reason");
    if (!vocab.mentions(t, p.verb)) fail("verb missing");
    if (!vocab.mentions(t, p.noun)) fail("noun missing");
    if (!vocab.mentions(t, p.adjective)) fail("adjective missing");
    const auto conf = vocab.score(t);
    if (conf.oov_tokens != 0) fail("out-of-vocabulary word " + conf.oov_words.front());
    if (!ends_with_terminal(t)) fail("no terminal punctuation");
    const auto paras = paragraphs(t);
    if (paras.size() < 3 || paras.size() > 5) fail("paragraph count " + std::to_string(paras.size()));
    for (const auto& para : paras)
      if (para.empty() || para.front() == ' ' || para.back() == ' ') fail("empty or padded paragraph");
    if (contains(t, "  ") || contains(t, " ,") || contains(t, " .")) fail("stray spacing");
    const size_t words = word_count(t);
    total_words += words;
    min_words = std::min(min_words, words);
    max_words = std::max(max_words, words);
    if (words < 100 || words > 450) fail("length " + std::to_string(words));
    if (t.rfind("Once upon a time", 0) == 0) ++once_upon;
    if (r.usage.completion_tokens < words || r.usage.prompt_tokens == 0) fail("usage");

    const auto& f = p.features;
    for (int k = 0; k < base::kFeatureCount; ++k) requested[k] += f.has(static_cast<Feature>(k));
    if (f.has(Feature::kDialogue) != has_dialogue(t)) fail("dialogue mismatch");
    if (!f.has(Feature::kDialogue) && contains(t, "\"")) fail("quote without dialogue");
    if (f.has(Feature::kMoralValue) && !has_moral(t)) fail("moral missing");
    if (!f.has(Feature::kMoralValue) && has_moral(t) && !words_overlap(p, {"lesson", "learn"}))
      fail("unrequested moral");
    if (f.has(Feature::kPlotTwist) && !has_twist(t)) fail("twist missing");
    if (!f.has(Feature::kPlotTwist) && has_twist(t) && !words_overlap(p, {"surprise", "suddenly"}))
      fail("unrequested twist");
    if (f.has(Feature::kForeshadowing) != has_foreshadowing(t)) fail("foreshadowing mismatch");
    if (!f.has(Feature::kForeshadowing) && contains(t, "remembered") && !words_overlap(p, {"remember"}))
      fail("unrequested payoff");
    if (f.has(Feature::kConflict) && !has_conflict(t)) fail("conflict missing");
    if (!f.has(Feature::kConflict) && has_conflict(t) && !words_overlap(p, {"argue", "fight"}))
      fail("unrequested conflict");
    const bool overlap_mood = words_overlap(p, kSadWords) || words_overlap(p, kHappyWords);
    if (!overlap_mood) {
      if (f.has(Feature::kBadEnding) && !sad_ending(t)) fail("bad ending not sad");
      if (!f.has(Feature::kBadEnding) && !happy_ending(t)) fail("ending not happy");
    }
  }
  for (const auto& [what, n] : failures) MESSAGE(what << ": " << n << " of " << prompts.size());
  CHECK(failures.empty());
  for (int k = 0; k < base::kFeatureCount; ++k) CHECK(requested[k] > 1000);  // the check saw each feature
  const double once_share = double(once_upon) / double(prompts.size());
  MESSAGE("words per story: mean " << double(total_words) / double(prompts.size()) << ", min " << min_words << ", max "
                                   << max_words << "; 'Once upon a time' share " << once_share);
  CHECK(once_share < 0.20);
  CHECK(once_share > 0.0);  // the classic opening is still one of the choices
}

TEST_CASE("the heuristics themselves can tell features apart") {
  CHECK(has_dialogue("\"Hi,\" said Tom."));
  CHECK_FALSE(has_dialogue("Tom said hi."));
  CHECK(has_moral("Tom was sad. Tom learned that sharing is good."));
  CHECK_FALSE(has_moral("Tom learned to swim."));
  CHECK(has_foreshadowing("Tom put a map in his bag.\n\nThey walked.\n\nThen Tom remembered the map."));
  CHECK_FALSE(has_foreshadowing("Tom walked.\n\nThen Tom remembered the map."));
  CHECK(sad_ending("A.\n\nB.\n\nThe dog was gone. Tom cried."));
  CHECK_FALSE(sad_ending("A.\n\nB.\n\nThe dog was gone, but then Tom was happy again."));
  CHECK(happy_ending("A.\n\nB.\n\nTom smiled.\n\nTom learned that it is sad to be mean."));
}

TEST_CASE("stories are a pure function of the prompt") {
  const auto& vocab = testing::default_vocabulary();
  const BuiltinTeacher a(vocab, {0.3});
  const BuiltinTeacher b(vocab, {0.3});
  const auto prompts = sample_prompts(7, 300);
  std::vector<std::string> first, other_thread;
  for (const auto& p : prompts) first.push_back(a.complete(p).text);
  std::thread th([&] {
    for (const auto& p : prompts) other_thread.push_back(b.complete(p).text);
  });
  th.join();
  CHECK(first == other_thread);
  for (size_t i = 0; i < prompts.size(); ++i) CHECK(a.complete(prompts[i]).text == first[i]);
  // A different id with the same words gives a different story.
  PromptSpec p = prompts[0];
  p.id ^= 1;
  const BuiltinTeacher clean(vocab, {});
  CHECK(clean.complete(p).text != clean.complete(prompts[0]).text);
}

TEST_CASE("stories for different prompts are not near-copies") {
  const BuiltinTeacher teacher(testing::default_vocabulary(), {});
  const auto prompts = sample_prompts(3, 300);
  std::vector<std::vector<uint64_t>> sets;
  for (const auto& p : prompts) sets.push_back(shingles(teacher.complete(p).text));
  double max_j = 0, sum = 0;
  size_t pairs = 0;
  for (size_t i = 0; i < sets.size(); ++i)
    for (size_t j = i + 1; j < sets.size(); ++j) {
      const double x = jaccard(sets[i], sets[j]);
      max_j = std::max(max_j, x);
      sum += x;
      ++pairs;
    }
  MESSAGE("word 5-gram Jaccard over " << pairs << " pairs: max " << max_j << ", mean " << sum / double(pairs));
  CHECK(max_j < 0.5);
  CHECK(sum / double(pairs) < 0.05);
}

TEST_CASE("noise: a share of replies is realistically bad, in four kinds") {
  const auto& vocab = testing::default_vocabulary();
  const BuiltinTeacher noisy(vocab, {0.2});
  const BuiltinTeacher clean(vocab, {});
  const auto prompts = sample_prompts(11, 1500);
  std::vector<base::Reply> replies;
  std::map<std::string, int> text_count;
  for (const auto& p : prompts) {
    replies.push_back(noisy.complete(p));
    ++text_count[replies.back().text];
  }
  size_t differs = 0, truncated = 0, exact = 0, oov = 0, near = 0, other = 0;
  std::vector<size_t> rest;  // noisy replies not yet explained
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Reply& r = replies[i];
    if (r.text == clean.complete(prompts[i]).text) {
      CHECK(r.finish_reason == "stop");
      continue;
    }
    ++differs;
    if (r.finish_reason == "length") {
      ++truncated;
      CHECK_FALSE(ends_with_terminal(r.text));
      CHECK(std::isalpha(static_cast<unsigned char>(r.text.back())));
      continue;
    }
    CHECK(r.finish_reason == "stop");
    if (text_count[r.text] > 1) {
      ++exact;
      CHECK(vocab.score(r.text).oov_tokens == 0);
      continue;
    }
    if (vocab.score(r.text).oov_tokens > 0) {
      ++oov;
      continue;
    }
    rest.push_back(i);
  }
  // Near-duplicates: the unexplained rest must be high-Jaccard copies of each other.
  std::vector<std::vector<uint64_t>> sets;
  for (size_t i : rest) sets.push_back(shingles(replies[i].text));
  for (size_t a = 0; a < sets.size(); ++a) {
    bool has_twin = false;
    for (size_t b = 0; b < sets.size() && !has_twin; ++b)
      if (a != b && jaccard(sets[a], sets[b]) > 0.5) has_twin = true;
    (has_twin ? near : other)++;
  }
  const double n = double(prompts.size());
  MESSAGE("noise 0.2 over " << prompts.size() << " prompts: differs " << differs / n << ", truncated " << truncated / n
                            << ", exact duplicates " << exact / n << ", out-of-vocabulary " << oov / n
                            << ", near duplicates " << near / n << ", unexplained " << other);
  CHECK(differs / n == doctest::Approx(0.2).epsilon(0.25));
  for (size_t k : {truncated, exact, oov, near}) {
    CHECK(k / n > 0.025);
    CHECK(k / n < 0.08);
  }
  CHECK(other == 0);
  // Exact duplicates really repeat: a few texts cover all of them.
  size_t repeated_texts = 0;
  for (const auto& [text, count] : text_count) repeated_texts += count > 1;
  CHECK(repeated_texts >= 2);
  CHECK(repeated_texts <= 8);
}

TEST_CASE("a vocabulary that lacks the teacher's words fails at construction with the words listed") {
  const auto tiny = vocab::Vocabulary::parse(
      "dog noun cat=animal\nrun verb cat=intr\nbig adj\nLily name cat=girl\n"
      "Tom name cat=boy\nthe func\n",
      "tiny");
  try {
    BuiltinTeacher teacher(tiny, {});
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(contains(what, "lacks"));
    CHECK(contains(what, "once"));
    CHECK(contains(what, "she"));
    CHECK_FALSE(contains(what, " the,"));  // listed words are not reported
  }
  const auto no_names = vocab::Vocabulary::parse("dog noun\nrun verb\nbig adj\n", "no-names");
  CHECK_THROWS_AS(BuiltinTeacher(no_names, {}), std::invalid_argument);
  CHECK_THROWS_AS(BuiltinTeacher(testing::default_vocabulary(), {1.5}), std::invalid_argument);
}

TEST_CASE("writer speed (figure only)") {
  const BuiltinTeacher teacher(testing::default_vocabulary(), {});
  const auto prompts = sample_prompts(5, 2000);
  size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 10; ++round)
    for (const auto& p : prompts) bytes += teacher.complete(p).text.size();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("builtin teacher: " << bytes / s / 1e6 << " MB/s of story text on one thread (" << 20000 / s
                              << " stories/s)");
  CHECK(bytes > 0);
}

}  // namespace
}  // namespace primer::generators
