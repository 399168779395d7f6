// The dataset's tokenizer: a sentencepiece model trained on the train split and saved
// as DIR/tokenizer.model, loadable by any sentencepiece (C++, Python) and by
// llama2.c's tokenizer export.
//
// Training settings (chosen for tiny models; the llama2.c TinyStories tokenizers used
// 512–4096 pieces with the same choices):
//
//   model_type            bpe (or unigram)
//   vocab_size            4096; 259 + what the text needs at least, 65,535 at most
//                         (token shards store uint16 ids)
//   byte_fallback         on: any byte sequence encodes, no <unk> ever appears
//   split_digits          on: numbers are digit by digit
//   normalization         identity, extra whitespace kept, so decode(encode(t)) == t
//   character_coverage    0.9999: very rare characters become bytes
//   special ids           <unk> 0, <s> (BOS) 1, </s> 2, no pad
//   sentences             each paragraph (line) of each train record; at most
//                         max_sentences of them, a uniform reservoir sample (seeded),
//                         so training stays fast on any dataset size
//                         (BPE: given to sentencepiece as word counts where that
//                         trains the same pieces; see TokenizerOptions::word_counts)
//   threads               fixed (4), not the core count: unigram's EM sums in a
//                         thread-count-dependent order
//
// The model file is a pure function of (records, options): train twice, same bytes.
//
// Tokenizer (the loaded model) is immutable after load(); encode/decode are
// thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/manifest.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace primer::model {

class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TokenizerOptions {
  int vocab_size = 4096;
  std::string model_type = "bpe";  // "bpe" | "unigram"
  uint64_t max_sentences = 200000;
  uint64_t seed = 1;  // the reservoir sample
  int threads = 4;
  bool verbose = false;  // sentencepiece's own log lines on stderr
  // BPE: give sentencepiece the sample's word counts instead of its paragraphs where that
  // trains the same pieces (tokenizer.cc, trainer_input), which reads each distinct word
  // once. Off: every paragraph as a sentence (tests compare the two).
  bool word_counts = true;
};

// Checks options; throws TokenizerError with a message that names the bad value.
void check_tokenizer_options(const TokenizerOptions& options);

// Trains on the train records of `train_shards` (paths relative to `dir`; records that
// are not JSON with a string "text" are skipped and counted) and writes
// DIR/tokenizer.model atomically. Returns what the manifest records about it. The model
// may hold fewer pieces than options.vocab_size (sentencepiece stops when the text has no
// more merges: 4096 asked gives ~3,800 on 200 stories); the result says how many it has
// (vocab_size) and how many were asked for (requested_vocab_size).
storage::TokenizerInfo train_tokenizer(const std::filesystem::path& dir,
                                       const std::vector<storage::ShardInfo>& train_shards,
                                       const TokenizerOptions& options);

// The shards of a dataset directory: manifest.json's list when there is one, else the
// data/{split}-*.jsonl.zst files in name order (split from the name).
std::vector<storage::ShardInfo> dataset_shards(const std::filesystem::path& dir);

class Tokenizer {
 public:
  // Throws TokenizerError naming the file if it is missing or not a sentencepiece model.
  static Tokenizer load(const std::filesystem::path& path);
  static Tokenizer from_serialized(std::string_view model_proto, const std::string& origin);

  int vocab_size() const;
  int bos_id() const;
  // Appends the ids of `text` (no BOS) to `ids`: sentencepiece's encoding, computed word
  // by word where that gives the same ids (a BPE model trained as train_tokenizer trains
  // them, and a text without leading, trailing or doubled spaces: model/spm_proto.h), each
  // word's ids kept in a per-thread cache, so common words are encoded once per thread.
  void encode(std::string_view text, std::vector<int>& ids) const;
  // sentencepiece on the whole text at once: what encode() must equal.
  void encode_whole(std::string_view text, std::vector<int>& ids) const;
  // Whether encode() may go word by word for this model.
  bool encodes_by_word() const { return by_word_; }
  std::string decode(std::span<const int> ids) const;
  // The text of `ids` as it reads after `context` (sentencepiece drops the leading space
  // of a decoded sequence; a continuation must keep it). BOS/EOS in context are ignored.
  std::string decode_continuation(std::span<const int> context, std::span<const int> ids) const;
  std::string piece(int id) const;
  int eos_id() const;
  int unk_id() const;
  float score(int id) const;
  // sentencepiece piece types, as GGUF's tokenizer.ggml.token_type numbers them:
  // 1 normal, 2 unknown, 3 control, 6 byte.
  int token_type(int id) const;
  // The model file's bytes (for embedding in exports).
  std::string serialized() const;
  // Lower-case hex sha256 of the bytes it was loaded from (the tokenizer.model file):
  // token shards record it, so stale shards of another tokenizer are recognised.
  const std::string& sha256() const { return sha256_; }

 private:
  void encode_word(std::string_view word, std::vector<int>& ids) const;

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp_;
  std::string sha256_;
  bool by_word_ = false;
  uint64_t id_ = 0;  // names the loaded model in the per-thread word caches
};

}  // namespace primer::model
