// Conformance-scoring benchmark: Vocabulary::score over a story corpus, with the ASCII
// fast path and with everything through ICU, side by side.
//
//   build/bench/vocab_bench [--mb 100] [--threads T]
//
// The corpus is written in-process by the built-in teacher (noise 0.1, so some stories
// have out-of-vocabulary words) until it holds --mb megabytes. It is scored twice as
// written (plain ASCII) and twice with typographic quotes and apostrophes (U+2018/2019/
// 201C/201D, as LLM output often has): once with TextPath::kAuto (ASCII stretches take the
// byte-table path, the rest goes to ICU) and once with TextPath::kIcuOnly. The results
// must be identical; the figures are MB/s of story text on all cores (or --threads).
//
// Beside it, a Chinese conformance case: stories put together from sentence patterns and
// the words of examples/recipes/zh/words.txt (one sentence in 20 with an unlisted word),
// --mb / 4 megabytes of them, scored against that list (runs of Han cut into the list's
// words, uncovered stretches by ICU's dictionary), and segmented by ICU's dictionary
// alone (segment_words without a list) for comparison.
#include <tbb/combinable.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "generators/builtin.h"
#include "prompts/prompt.h"
#include "vocab/vocabulary.h"

using namespace primer;
using Clock = std::chrono::steady_clock;

namespace {

struct Totals {
  uint64_t tokens = 0, oov = 0, invalid = 0;
  bool operator==(const Totals&) const = default;
};

// Scores every story on all worker threads; returns the totals and the seconds taken
// (best of `reps`).
Totals score_all(const vocab::Vocabulary& v, const std::vector<std::string>& docs, vocab::TextPath path, int reps,
                 double& seconds) {
  Totals result;
  seconds = 1e30;
  for (int rep = 0; rep < reps; ++rep) {
    tbb::combinable<Totals> partial;
    const auto t0 = Clock::now();
    tbb::parallel_for(tbb::blocked_range<size_t>(0, docs.size(), 64), [&](const tbb::blocked_range<size_t>& r) {
      Totals& t = partial.local();
      for (size_t i = r.begin(); i != r.end(); ++i) {
        const vocab::Conformance c = v.score(docs[i], {}, path);
        t.tokens += c.tokens;
        t.oov += c.oov_tokens;
        t.invalid += c.invalid_utf8;
      }
    });
    seconds = std::min(seconds, std::chrono::duration<double>(Clock::now() - t0).count());
    result = partial.combine([](Totals a, const Totals& b) {
      a.tokens += b.tokens;
      a.oov += b.oov;
      a.invalid += b.invalid;
      return a;
    });
  }
  return result;
}

// Typographic quotes: ' → U+2019, "x → U+201C x, x" → x U+201D.
std::string curly(const std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 16);
  bool open = true;
  for (char c : s) {
    if (c == '\'') out += "\xE2\x80\x99";
    else if (c == '"') {
      out += open ? "\xE2\x80\x9C" : "\xE2\x80\x9D";
      open = !open;
    } else {
      out += c;
    }
  }
  return out;
}

// Chinese stories from patterns: {n} a listed noun, {v} a listed verb, {a} a listed
// adjective; the other words of the patterns are mostly listed.
std::vector<std::string> chinese_stories(const vocab::Vocabulary& v, double mb) {
  static const char* const kPatterns[] = {"从前，有一只小猫。",
                                          "它很喜欢和妈妈一起去公园玩。",
                                          "有一天，小猫看见一个{n}。",
                                          "小猫说：“你好！我们一起{v}吧！”",
                                          "{n}很{a}，它们成了好朋友。",
                                          "他们在家里{v}，大家都很{a}。",
                                          "妈妈问：“你为什么不{v}呢？”",
                                          "我也想{v}，可是{n}太{a}了。",
                                          "晚上，爸爸给他们讲了一个{n}的故事。",
                                          "小狗跑过来，和小猫一起{v}。"};
  static const char* const kUnlisted[] = {"恐龙", "宇宙飞船", "魔法师", "独角兽"};
  std::vector<std::string> words[3];
  for (int k = 0; k < 3; ++k) {
    const vocab::Pos pos = k == 0 ? vocab::Pos::kNoun : k == 1 ? vocab::Pos::kVerb : vocab::Pos::kAdj;
    for (uint32_t i : v.with_pos(pos)) words[k].push_back(v.entry(i).lemma);
  }
  std::mt19937_64 rng(2024);
  std::vector<std::string> out;
  uint64_t bytes = 0;
  while (double(bytes) < mb * 1e6) {
    std::string story;
    const int sentences = 8 + static_cast<int>(rng() % 8);
    for (int s = 0; s < sentences; ++s) {
      const std::string pattern = kPatterns[rng() % std::size(kPatterns)];
      for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}') {
          const int k = pattern[i + 1] == 'n' ? 0 : pattern[i + 1] == 'v' ? 1 : 2;
          story +=
              (k == 0 && rng() % 20 == 0) ? kUnlisted[rng() % std::size(kUnlisted)] : words[k][rng() % words[k].size()];
          i += 2;
        } else {
          story += pattern[i];
        }
      }
    }
    bytes += story.size();
    out.push_back(std::move(story));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double target_mb = 100;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) target_mb = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
  }
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  const unsigned cores = threads > 0 ? unsigned(threads) : std::thread::hardware_concurrency();

  const std::filesystem::path src(PRIMER_SOURCE_DIR);
  const auto vocab = vocab::Vocabulary::load(src / "vocab/default.txt");
  prompts::TinyStoriesSampler sampler(
      vocab,
      prompts::PromptTemplate::load(src / "prompts/tinystories.txt", prompts::TinyStoriesSampler::placeholders()),
      {0.35});
  generators::BuiltinTeacher teacher(vocab, {0.1});

  // The corpus, written in parallel in blocks of 4096 stories.
  std::vector<std::string> docs;
  uint64_t bytes = 0;
  const auto g0 = Clock::now();
  while (double(bytes) < target_mb * 1e6) {
    const size_t base = docs.size();
    docs.resize(base + 4096);
    tbb::parallel_for(size_t(0), size_t(4096),
                      [&](size_t k) { docs[base + k] = teacher.complete(sampler.sample(1, base + k)).text; });
    for (size_t k = base; k < docs.size(); ++k) bytes += docs[k].size();
  }
  const double gen_s = std::chrono::duration<double>(Clock::now() - g0).count();
  std::vector<std::string> curly_docs(docs.size());
  uint64_t curly_bytes = 0;
  tbb::parallel_for(size_t(0), docs.size(), [&](size_t i) { curly_docs[i] = curly(docs[i]); });
  for (const auto& d : curly_docs) curly_bytes += d.size();

  const double mb = double(bytes) / 1e6, curly_mb = double(curly_bytes) / 1e6;
  std::printf("vocab_bench: %zu stories, %.1f MB of story text (written in %.1f s), %zu list entries, %u cores\n",
              docs.size(), mb, gen_s, vocab.entries().size(), cores);

  double fast_s, icu_s, curly_fast_s, curly_icu_s;
  const Totals fast = score_all(vocab, docs, vocab::TextPath::kAuto, 3, fast_s);
  const Totals icu = score_all(vocab, docs, vocab::TextPath::kIcuOnly, 1, icu_s);
  const Totals cfast = score_all(vocab, curly_docs, vocab::TextPath::kAuto, 3, curly_fast_s);
  const Totals cicu = score_all(vocab, curly_docs, vocab::TextPath::kIcuOnly, 1, curly_icu_s);

  std::printf("  %-44s %10s %10s\n", "conformance scoring (Vocabulary::score)", "fast path", "ICU only");
  std::printf("  %-44s %7.1f MB/s %6.1f MB/s  (%.1fx)\n", "plain ASCII stories", mb / fast_s, mb / icu_s,
              icu_s / fast_s);
  std::printf("  %-44s %7.1f MB/s %6.1f MB/s  (%.1fx)\n", "stories with typographic quotes (UTF-8)",
              curly_mb / curly_fast_s, curly_mb / curly_icu_s, curly_icu_s / curly_fast_s);
  std::printf("  tokens %llu, out-of-vocabulary %llu (%.3f%%); identical on both paths: %s\n",
              (unsigned long long)fast.tokens, (unsigned long long)fast.oov,
              100.0 * double(fast.oov) / double(fast.tokens),
              (fast == icu && cfast == cicu && fast.tokens == cfast.tokens && fast.oov == cfast.oov) ? "yes" : "NO");
  std::printf("  target: >= 100 MB/s on the fast path: %s\n", mb / fast_s >= 100 ? "met" : "NOT met");

  // Chinese: the list's segmentation (score) and ICU's dictionary alone (no list).
  const auto zh = vocab::Vocabulary::load(src / "examples/recipes/zh/words.txt");
  const std::vector<std::string> zh_docs = chinese_stories(zh, target_mb / 4);
  uint64_t zh_bytes = 0;
  for (const auto& d : zh_docs) zh_bytes += d.size();
  const double zh_mb = double(zh_bytes) / 1e6;
  double zh_s, zh_icu_s = 1e30;
  const Totals zh_list = score_all(zh, zh_docs, vocab::TextPath::kAuto, 3, zh_s);
  uint64_t icu_words = 0;
  for (int rep = 0; rep < 3; ++rep) {
    tbb::combinable<uint64_t> partial;
    const auto t0 = Clock::now();
    tbb::parallel_for(tbb::blocked_range<size_t>(0, zh_docs.size(), 64), [&](const tbb::blocked_range<size_t>& r) {
      uint64_t& n = partial.local();
      for (size_t i = r.begin(); i != r.end(); ++i) vocab::segment_words(zh_docs[i], [&](std::string_view) { ++n; });
    });
    zh_icu_s = std::min(zh_icu_s, std::chrono::duration<double>(Clock::now() - t0).count());
    icu_words = partial.combine([](uint64_t a, uint64_t b) { return a + b; });
  }
  std::printf("  %-44s %7.1f MB/s  (%zu stories, %.1f MB, %zu list entries)\n",
              "Chinese stories, the list's segmentation", zh_mb / zh_s, zh_docs.size(), zh_mb, zh.entries().size());
  std::printf("  %-44s %7.1f MB/s  (segment_words without a list)\n", "Chinese stories, ICU's dictionary alone",
              zh_mb / zh_icu_s);
  std::printf("  Chinese tokens %llu (ICU alone: %llu words), out-of-vocabulary %llu (%.3f%%)\n",
              (unsigned long long)zh_list.tokens, (unsigned long long)icu_words, (unsigned long long)zh_list.oov,
              100.0 * double(zh_list.oov) / double(zh_list.tokens));
  return (fast == icu && cfast == cicu) ? 0 : 1;
}
