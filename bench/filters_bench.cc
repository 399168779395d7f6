// filters_bench [--mb 200] [--threads 2]
//
// Near-duplicate removal (minhash, 14 bands × 8 rows, word 5-grams) and the whole
// default chain of examples/tinystories.toml plus the new filters, over a ≥ 200 MB
// corpus of built-in teacher stories (noise 0.1: exact and near duplicates included).
// The chain runs as `primer run` runs it: prepare() in parallel (oneTBB), decide()
// serially in prompt order. Prints MB/s of story text, documents dropped, peak resident
// memory (getrusage ru_maxrss) and the core count.
#include <sys/resource.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "filters/filter.h"
#include "generators/builtin.h"
#include "prompts/prompt.h"

using namespace primer;

namespace {

class Settings final : public filters::FilterSettings {
 public:
  std::map<std::string, double> n;
  std::map<std::string, std::string> s;
  std::optional<double> number(std::string_view k) override {
    auto it = n.find(std::string(k));
    return it == n.end() ? std::nullopt : std::optional<double>(it->second);
  }
  std::optional<int64_t> integer(std::string_view k) override {
    auto it = n.find(std::string(k));
    return it == n.end() ? std::nullopt : std::optional<int64_t>(int64_t(it->second));
  }
  std::optional<bool> boolean(std::string_view) override { return std::nullopt; }
  std::optional<std::string> string(std::string_view k) override {
    auto it = s.find(std::string(k));
    return it == s.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  [[noreturn]] void invalid(std::string_view k, const std::string& m) override {
    std::fprintf(stderr, "bad setting %s: %s\n", std::string(k).c_str(), m.c_str());
    std::exit(1);
  }
};

double peak_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

struct Result {
  double seconds = 0;
  uint64_t dropped = 0;
};

Result run(filters::FilterChain& chain, std::vector<base::Doc>& docs) {
  constexpr size_t kBatch = 4096;
  std::vector<filters::Prepared> prepared(kBatch);
  Result r;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t start = 0; start < docs.size(); start += kBatch) {
    const size_t end = std::min(docs.size(), start + kBatch);
    tbb::parallel_for(start, end, [&](size_t i) { prepared[i - start] = chain.prepare(docs[i]); });
    for (size_t i = start; i < end; ++i) r.dropped += !chain.decide(prepared[i - start]).keep();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double mb = 200;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) mb = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const auto vocab = vocab::Vocabulary::load(PRIMER_SOURCE_DIR "/vocab/default.txt");
  prompts::TinyStoriesSampler sampler(vocab,
                                      prompts::PromptTemplate::load(PRIMER_SOURCE_DIR "/prompts/tinystories.txt",
                                                                    prompts::TinyStoriesSampler::placeholders()),
                                      prompts::TinyStoriesOptions{0.35});
  generators::BuiltinTeacher teacher(vocab, generators::BuiltinOptions{0.1});

  // The corpus, generated in parallel.
  const auto g0 = std::chrono::steady_clock::now();
  const size_t count = static_cast<size_t>(mb * 1e6 / 900.0) + 1;
  std::vector<base::Doc> docs(count);
  tbb::parallel_for(size_t(0), count, [&](size_t i) {
    docs[i].prompt = sampler.sample(1, i);
    docs[i].reply = teacher.complete(docs[i].prompt);
  });
  uint64_t bytes = 0;
  for (const auto& d : docs) bytes += d.text().size();
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  const double corpus_mb = double(bytes) / 1e6;
  const double rss_corpus = peak_mb();
  std::printf("corpus: %zu stories, %.1f MB of text (generated in %.1f s); cores: %u, threads: %d\n", docs.size(),
              corpus_mb, gen_s, std::thread::hardware_concurrency(), threads);
  std::printf("peak RSS with the corpus in memory: %.0f MB\n", rss_corpus);

  filters::FilterContext ctx;
  ctx.vocab = &vocab;
  {
    Settings s;  // 14 × 8, 5-grams, signature verification at 0.7 (the defaults)
    std::vector<std::unique_ptr<filters::Filter>> list;
    list.push_back(filters::make_filter("minhash", s, ctx));
    filters::FilterChain chain(std::move(list));
    const Result r = run(chain, docs);
    std::printf(
        "minhash 14x8 5-gram:   %7.1f MB/s  (%.2f s, %llu near duplicates dropped, peak RSS %.0f MB, +%.0f MB over the corpus)\n",
        corpus_mb / r.seconds, r.seconds, static_cast<unsigned long long>(r.dropped), peak_mb(),
        peak_mb() - rss_corpus);
  }
  const auto chain_of = [&](std::initializer_list<const char*> kinds) {
    std::vector<std::unique_ptr<filters::Filter>> list;
    for (const char* k : kinds) {
      Settings s;
      if (!std::strcmp(k, "length")) s.n["min_words"] = 80;
      if (!std::strcmp(k, "vocab")) s.n["max_oov_rate"] = 0.0;
      list.push_back(filters::make_filter(k, s, ctx));
    }
    return filters::FilterChain(std::move(list));
  };
  {
    auto chain = chain_of({"truncation", "length", "exact_dedup", "vocab"});
    const Result r = run(chain, docs);
    std::printf("default chain (examples/tinystories.toml before this change):  %7.1f MB/s  (%.2f s, %llu dropped)\n",
                corpus_mb / r.seconds, r.seconds, static_cast<unsigned long long>(r.dropped));
  }
  {
    auto chain = chain_of({"truncation", "length", "regex", "script", "gopher_repetition", "gopher_quality", "features",
                           "exact_dedup", "minhash", "vocab"});
    const Result r = run(chain, docs);
    std::printf(
        "full chain (truncation length regex script gopher_repetition gopher_quality features exact_dedup "
        "minhash vocab): %7.1f MB/s  (%.2f s, %llu dropped)\n",
        corpus_mb / r.seconds, r.seconds, static_cast<unsigned long long>(r.dropped));
    for (const auto& c : chain.counts()) {
      uint64_t d = 0;
      for (const auto& [reason, n] : c.dropped) d += n;
      std::printf("  %-18s seen %9llu dropped %7llu\n", c.name.c_str(), static_cast<unsigned long long>(c.seen),
                  static_cast<unsigned long long>(d));
    }
  }
  for (const char* k : {"truncation", "length", "regex", "script", "gopher_repetition", "gopher_quality", "features",
                        "exact_dedup", "vocab"}) {
    auto chain = chain_of({k});
    const Result r = run(chain, docs);
    std::printf("  alone: %-18s %8.1f MB/s\n", k, corpus_mb / r.seconds);
  }
  std::printf("peak RSS: %.0f MB\n", peak_mb());
  return 0;
}
