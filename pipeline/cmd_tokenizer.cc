// primer tokenizer train --data DIR --vocab-size N [--model-type bpe|unigram] ...
// primer tokenizer encode --data DIR [--threads N]
#include <chrono>
#include <cstdio>
#include <memory>

#include "model/encode.h"
#include "model/tokenizer.h"
#include "pipeline/commands.h"
#include "storage/sha256.h"

namespace primer::cli {
namespace fs = std::filesystem;
namespace {

struct TrainArgs {
  std::string data;
  model::TokenizerOptions options;
};

struct EncodeArgs {
  std::string data;
  int threads = 0;
};

void require_dataset(const std::string& dir) {
  if (dir.empty()) throw UsageError("give the dataset directory with --data DIR");
  if (!fs::is_directory(dir)) throw UsageError(dir + " is not a directory");
}

int train_command(const TrainArgs& a) {
  require_dataset(a.data);
  try {
    model::check_tokenizer_options(a.options);
  } catch (const model::TokenizerError& e) {
    throw UsageError(e.what());
  }
  const auto t0 = std::chrono::steady_clock::now();
  const storage::TokenizerInfo info = model::train_tokenizer(a.data, model::dataset_shards(a.data), a.options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool had_tokens = fs::exists(fs::path(a.data) / "tokens");
  model::update_manifest(a.data, [&](storage::Manifest& m) {
    m.tokenizer = info;
    m.token_shards.clear();  // encoded with the previous tokenizer, if any
  });
  std::printf("%s: sentencepiece %s, %u pieces, trained on %llu sentences in %.1f s\n",
              (fs::path(a.data) / "tokenizer.model").c_str(), info.model_type.c_str(), info.vocab_size,
              static_cast<unsigned long long>(info.sentences), seconds);
  if (info.vocab_size < info.requested_vocab_size)
    std::fprintf(stderr,
                 "primer: warning: the tokenizer has %u pieces, fewer than the %u asked for (the text offers no more "
                 "merges); set [model] vocab_size = %u in the training config\n",
                 info.vocab_size, info.requested_vocab_size, info.vocab_size);
  if (had_tokens)
    std::printf("tokens/ was encoded with the previous tokenizer: run 'primer tokenizer encode --data %s'\n",
                a.data.c_str());
  return 0;
}

int encode_command(const EncodeArgs& a) {
  require_dataset(a.data);
  const fs::path dir = a.data;
  const model::Tokenizer tok = model::Tokenizer::load(dir / "tokenizer.model");
  model::EncodeOptions o;
  o.threads = a.threads;
  const model::EncodeReport r = model::encode_dataset(dir, model::dataset_shards(dir), tok, o);
  model::update_manifest(dir, [&](storage::Manifest& m) {
    m.token_shards = r.shards;
    const std::string sha = storage::sha256_file(dir / "tokenizer.model");
    if (!m.tokenizer || m.tokenizer->sha256 != sha) {
      storage::TokenizerInfo info;
      info.model_type = m.tokenizer ? m.tokenizer->model_type : "";
      info.vocab_size = static_cast<uint32_t>(tok.vocab_size());
      info.sha256 = sha;
      m.tokenizer = info;
    }
  });
  std::printf("encoded %llu documents into %llu tokens (%zu token shards in %s/tokens) in %.1f s: %.0f tokens/s\n",
              static_cast<unsigned long long>(r.documents), static_cast<unsigned long long>(r.tokens), r.shards.size(),
              a.data.c_str(), r.seconds, r.seconds > 0 ? double(r.tokens) / r.seconds : 0.0);
  if (r.malformed)
    std::fprintf(stderr, "primer: warning: %llu malformed lines skipped (run 'primer inspect %s' for their numbers)\n",
                 static_cast<unsigned long long>(r.malformed), a.data.c_str());
  return 0;
}

}  // namespace

void add_tokenizer_commands(Commands& commands) {
  CLI::App* group = commands.app().add_subcommand(
      "tokenizer", "Train a sentencepiece tokenizer on a dataset and encode it into token shards.");
  group->require_subcommand(1);

  auto train = std::make_shared<TrainArgs>();
  CLI::App* t = commands.add(
      "train", "Train DIR/tokenizer.model (sentencepiece) on the train split of DIR.",
      [train] { return train_command(*train); }, group);
  t->footer(
      "Byte fallback (no <unk>), digits split, identity normalisation (decode(encode(text)) == text), ids <unk> 0, "
      "<s> 1, </s> 2. Trains on a uniform sample of at most --max-sentences paragraphs, so it stays fast on large "
      "datasets; the model is the same for the same data and options. Records manifest.json's tokenizer entry.");
  t->add_option("--data", train->data, "Dataset directory (written by primer run)")->required();
  t->add_option("--vocab-size", train->options.vocab_size, "Pieces, 300..65535 (tiny models: 512-4096)")->required();
  t->add_option("--model-type", train->options.model_type, "bpe (default) or unigram")
      ->check(CLI::IsMember({"bpe", "unigram"}));
  t->add_option("--max-sentences", train->options.max_sentences, "Paragraphs sampled for training (default 200000)");
  t->add_option("--seed", train->options.seed, "Seed of the sample (default 1)");
  t->add_flag("--verbose", train->options.verbose, "Show sentencepiece's own log");

  auto encode = std::make_shared<EncodeArgs>();
  CLI::App* e = commands.add(
      "encode", "Encode DIR's shards with DIR/tokenizer.model into DIR/tokens/{split}-NNNNN.bin.",
      [encode] { return encode_command(*encode); }, group);
  e->footer(
      "llm.c's layout: a header of 256 int32 (magic 20240520, version 1, token count), then uint16 token ids; "
      "each document is <s> followed by its tokens, one token shard per record shard. The files are the same "
      "whatever the thread count. Refuses tokenizers with more than 65,535 pieces. Records the token shards in "
      "manifest.json and the token count in README.md.");
  e->add_option("--data", encode->data, "Dataset directory with tokenizer.model")->required();
  e->add_option("--threads", encode->threads, "Worker threads (default: all cores)")->check(at_least(0));
}

}  // namespace primer::cli
