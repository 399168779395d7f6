// Storage and tokenizer benchmark (issue 5).
//
//   build/bench/storage_bench [--mb 512] [--dir /tmp/primer-storage-bench] [--workers 2]
//                             [--encode-mb 64] [--vocab 4096] [--keep]
//
// 1. Builds a JSON Lines corpus of at least --mb MB (built-in teacher stories as
//    `primer run` writes them) and saves it as DIR/corpus.jsonl.
// 2. Compresses exactly those bytes at zstd level 3, best of two runs each:
//      - the baseline, `zstd -T2 -3` (the command-line tool, T = --workers),
//      - storage::ShardWriter with zstd_workers = --workers, rotating shards every
//        100,000 records, sha256 and fsync + rename included,
//      - storage::ShardWriter single-threaded (zstd_workers = 0), for reference,
//    and prints MB/s of uncompressed input and the ratio to the baseline.
// 3. Trains a tokenizer (--vocab pieces) on the first --encode-mb MB and encodes them into
//    token shards on all cores: tokens/s and MB/s of text.
// Prints the core count. Figures are comparable only within one run of this program.
#include <tbb/parallel_for.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "generators/builtin.h"
#include "model/encode.h"
#include "model/tokenizer.h"
#include "prompts/prompt.h"
#include "storage/files.h"
#include "storage/record.h"
#include "storage/shard.h"
#include "vocab/vocabulary.h"

using namespace primer;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Stories from the built-in teacher, as JSON lines, until `target` bytes.
std::string make_corpus(uint64_t target) {
  const fs::path src = PRIMER_SOURCE_DIR;
  const auto vocab = vocab::Vocabulary::load(src / "vocab/default.txt");
  prompts::TinyStoriesSampler sampler(
      vocab,
      prompts::PromptTemplate::load(src / "prompts/tinystories.txt", prompts::TinyStoriesSampler::placeholders()),
      {0.35});
  generators::BuiltinTeacher teacher(vocab, {0.1});
  std::string corpus;
  corpus.reserve(target + (64 << 20));
  constexpr uint64_t kChunk = 20000;
  for (uint64_t first = 0; corpus.size() < target; first += kChunk) {
    std::vector<std::string> lines(kChunk);
    tbb::parallel_for(uint64_t(0), kChunk, [&](uint64_t k) {
      base::Doc d;
      d.prompt = sampler.sample(1, first + k);
      d.teacher = "builtin";
      d.reply = teacher.complete(d.prompt);
      storage::append_record_json(lines[k], d);
    });
    for (const auto& l : lines) corpus.append(l).push_back('\n');
  }
  return corpus;
}

template <typename F>
double best_of_two(F&& f) {
  double best = 1e30;
  for (int i = 0; i < 2; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

// Writes the corpus into shards of 100,000 records; returns compressed bytes.
uint64_t write_shards(const std::string& corpus, const fs::path& dir, const storage::ShardOptions& o,
                      uint64_t max_bytes = 0) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const storage::ShardLimits limits{100000, max_bytes};
  uint64_t compressed = 0;
  int index = 0;
  std::unique_ptr<storage::ShardWriter> w;
  std::string_view rest = corpus;
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    if (!w) w = std::make_unique<storage::ShardWriter>(dir / ("train-" + std::to_string(index++) + ".jsonl.zst"), o);
    w->append(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
    if (w->full(limits) || rest.empty()) {
      compressed += w->finish().bytes;
      w.reset();
    }
  }
  return compressed;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mb = 512, encode_mb = 64;
  int workers = 2, vocab_size = 4096;
  fs::path dir = fs::temp_directory_path() / "primer-storage-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--mb") mb = std::stoull(v), ++i;
    else if (a == "--encode-mb") encode_mb = std::stoull(v), ++i;
    else if (a == "--workers") workers = std::stoi(v), ++i;
    else if (a == "--vocab") vocab_size = std::stoi(v), ++i;
    else if (a == "--dir") dir = v, ++i;
    else if (a == "--keep") keep = true;
    else {
      std::fprintf(stderr,
                   "usage: storage_bench [--mb N] [--encode-mb N] [--workers N] [--vocab N] [--dir D] [--keep]\n");
      return 2;
    }
  }
  fs::create_directories(dir);
  std::printf("storage_bench: %u cores, zstd level 3, %d workers\n", std::thread::hardware_concurrency(), workers);

  auto t0 = Clock::now();
  const std::string corpus = make_corpus(mb * 1000000);
  const double in_mb = double(corpus.size()) / 1e6;
  storage::write_file_atomic(dir / "corpus.jsonl", corpus);
  std::printf("  corpus: %.1f MB of JSON lines (built-in teacher), made in %.1f s\n", in_mb, seconds_since(t0));

  // Baseline: the zstd tool on the same bytes (page-cached; its output not fsynced).
  const std::string cmd = "zstd -q -f -3 -T" + std::to_string(workers) + " '" + (dir / "corpus.jsonl").string() +
                          "' -o '" + (dir / "corpus.jsonl.zst").string() + "'";
  int rc = 0;
  const double zstd_s = best_of_two([&] { rc |= std::system(cmd.c_str()); });
  if (rc != 0) {
    std::fprintf(stderr, "storage_bench: '%s' failed (is the zstd tool installed?)\n", cmd.c_str());
    return 1;
  }
  const double zstd_mb = double(fs::file_size(dir / "corpus.jsonl.zst")) / 1e6;
  std::printf("  %-44s %8.1f MB/s  (%.1f MB -> %.1f MB)\n",
              ("zstd -T" + std::to_string(workers) + " -3 (baseline)").c_str(), in_mb / zstd_s, in_mb, zstd_mb);

  uint64_t out_bytes = 0;
  const double mt_s = best_of_two([&] { out_bytes = write_shards(corpus, dir / "mt", {3, workers}); });
  std::printf("  %-44s %8.1f MB/s  (%.1f MB -> %.1f MB)  %.0f%% of zstd's rate\n",
              ("ShardWriter zstd_workers=" + std::to_string(workers) + " (sha256, fsync)").c_str(), in_mb / mt_s, in_mb,
              double(out_bytes) / 1e6, 100.0 * zstd_s / mt_s);
  const double st_s = best_of_two([&] { out_bytes = write_shards(corpus, dir / "st", {3, 0}); });
  std::printf("  %-44s %8.1f MB/s  (%.1f MB -> %.1f MB)  %.0f%% of zstd's rate\n",
              "ShardWriter zstd_workers=0 (single thread)", in_mb / st_s, in_mb, double(out_bytes) / 1e6,
              100.0 * zstd_s / st_s);
  fs::remove_all(dir / "st");
  fs::remove(dir / "corpus.jsonl.zst");

  // Tokenizer: train and encode on the first encode_mb MB (its own dataset directory).
  const fs::path ds = dir / "ds";
  fs::remove_all(ds);
  fs::create_directories(ds / "data");
  size_t cut = std::min<size_t>(corpus.size(), encode_mb * 1000000);
  cut = corpus.find('\n', cut == 0 ? 0 : cut - 1);
  cut = cut == std::string::npos ? corpus.size() : cut + 1;
  write_shards(corpus.substr(0, cut), ds / "data", {3, workers});
  std::vector<storage::ShardInfo> shards;
  for (const auto& e : fs::directory_iterator(ds / "data")) {
    storage::ShardInfo s;
    s.path = "data/" + e.path().filename().string();
    s.split = "train";
    shards.push_back(s);
  }
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  model::TokenizerOptions topt;
  topt.vocab_size = vocab_size;
  t0 = Clock::now();
  const auto info = model::train_tokenizer(ds, shards, topt);
  const double train_s = seconds_since(t0);
  std::printf("  tokenizer: bpe %u pieces on %llu sampled paragraphs in %.1f s\n", info.vocab_size,
              (unsigned long long)info.sentences, train_s);
  const auto tok = model::Tokenizer::load(ds / "tokenizer.model");
  const auto report = model::encode_dataset(ds, shards, tok, {});
  std::printf("  %-44s %8.0f tokens/s  %.1f MB/s of text  (%llu documents, %llu tokens, %.2f bytes/token)\n",
              "encode (all cores)", double(report.tokens) / report.seconds,
              double(report.text_bytes) / 1e6 / report.seconds, (unsigned long long)report.documents,
              (unsigned long long)report.tokens, double(report.text_bytes) / double(report.tokens));
  model::EncodeOptions one;
  one.threads = 1;
  const auto single = model::encode_dataset(ds, shards, tok, one);
  std::printf("  %-44s %8.0f tokens/s\n", "encode (1 thread)", double(single.tokens) / single.seconds);
  if (!keep) fs::remove_all(dir);
  return 0;
}
