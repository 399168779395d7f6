#include "model/tokenizer.h"

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "base/text.h"
#include "model/spm_proto.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/reader.h"
#include "storage/sha256.h"

// Exported by libsentencepiece but not declared in its public headers: 0 INFO,
// 1 WARNING, 2 ERROR.
namespace sentencepiece::logging {
void SetMinLogLevel(int v);
}

namespace primer::model {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxSentenceBytes = 1 << 14;  // longer paragraphs are left out of training

// SplitMix64: a fixed, portable sequence (std::uniform_int_distribution is not).
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& v) : v_(v) {}
  bool done() const override { return i_ >= v_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return v_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& v_;
  size_t i_ = 0;
};

// sentencepiece's log level is process-wide; training sets it for its duration.
std::mutex g_log_mutex;

// sentencepiece adds its escaped space (U+2581) in front of the text and turns each ' '
// into one; word by word gives the same ids only where each U+2581 starts a word
// (model/spm_proto.h).
bool splits_cleanly(std::string_view text) {
  return !text.empty() && text.front() != ' ' && text.back() != ' ' && text.find("  ") == std::string_view::npos &&
         text.find("\xE2\x96\x81") == std::string_view::npos;
}

// What sentencepiece's BPE trainer is given: each sampled paragraph as a sentence, or, when
// `by_word`, the paragraphs' words with their counts ("word\tcount", input_format tsv) and
// the other paragraphs whole ("paragraph\t1"). The BPE trainer turns every sentence into
// "▁" + its words (the normalizer: identity, dummy prefix, spaces kept), counts its
// characters, and keeps only the count of each word: a paragraph without leading,
// trailing or doubled spaces, U+2581, U+2047 (a sentence with it is skipped) or a
// meta piece (replaced by a space) gives the same characters and words either way, and
// ~15 words a paragraph are read once each instead of every time. A tab cannot go
// through tsv: a sample with one is given as sentences.
std::vector<std::string> trainer_input(const std::vector<std::string>& sample, bool by_word) {
  if (!by_word) return sample;
  auto clean = [](std::string_view p) {
    if (!splits_cleanly(p)) return false;
    for (std::string_view bad : {"\xE2\x81\x87", "<s>", "</s>", "<unk>"})
      if (p.find(bad) != std::string_view::npos) return false;
    return true;
  };
  std::vector<std::string> lines;
  std::unordered_map<std::string_view, uint64_t> words;
  for (const std::string& p : sample) {
    if (!clean(p)) {
      lines.push_back(p + "\t1");
      continue;
    }
    for (size_t at = 0;;) {
      const size_t space = p.find(' ', at);
      ++words[std::string_view(p).substr(at, space - at)];
      if (space == std::string::npos) break;
      at = space + 1;
    }
  }
  std::vector<std::pair<std::string_view, uint64_t>> sorted(words.begin(), words.end());
  std::sort(sorted.begin(), sorted.end());  // the same input every time
  for (const auto& [w, n] : sorted) lines.push_back(fmt::format("{}\t{}", w, n));
  return lines;
}

}  // namespace

void check_tokenizer_options(const TokenizerOptions& o) {
  if (o.model_type != "bpe" && o.model_type != "unigram")
    throw TokenizerError("model type '" + o.model_type + "' is not supported (use bpe or unigram)");
  if (o.vocab_size < 300 || o.vocab_size > 65535)
    throw TokenizerError(
        fmt::format("vocab size {} is out of range: 300..65535 (259 ids are taken by <unk>, <s>, "
                    "</s> and the 256 byte pieces; token shards store uint16 ids)",
                    o.vocab_size));
  if (o.max_sentences == 0) throw TokenizerError("max_sentences must be at least 1");
  if (o.threads < 1) throw TokenizerError("threads must be at least 1");
}

std::vector<storage::ShardInfo> dataset_shards(const fs::path& dir) {
  if (fs::exists(dir / "manifest.json")) return storage::Manifest::load(dir / "manifest.json").shards;
  std::vector<storage::ShardInfo> shards;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / storage::kDataDir, ec)) {
    if (!storage::is_shard_file(e.path())) continue;
    storage::ShardInfo s;
    s.path = (fs::path(storage::kDataDir) / e.path().filename()).string();
    s.split = storage::split_of(e.path());
    if (s.split == "train" || s.split == "validation") shards.push_back(std::move(s));
  }
  if (ec || shards.empty())
    throw storage::StorageError(
        dir.string() + " is not a dataset directory: no manifest.json and no data/{train,validation}-*.jsonl.zst");
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return shards;
}

storage::TokenizerInfo train_tokenizer(const fs::path& dir, const std::vector<storage::ShardInfo>& shards,
                                       const TokenizerOptions& o) {
  check_tokenizer_options(o);
  // A uniform sample of at most max_sentences paragraphs (reservoir sampling, seeded).
  std::vector<std::string> sample;
  SplitMix64 rng{o.seed};
  uint64_t seen = 0;
  for (const auto& s : shards) {
    if (s.split != "train") continue;
    storage::for_each_record(dir / s.path, [&](const storage::RecordView& r) {
      std::string_view rest = r.text;
      while (!rest.empty()) {
        const size_t eol = std::min(rest.find('\n'), rest.size());
        const std::string_view para = rest.substr(0, eol);
        rest.remove_prefix(std::min(eol + 1, rest.size()));
        if (para.empty() || para.size() > kMaxSentenceBytes) continue;
        if (sample.size() < o.max_sentences) {
          sample.emplace_back(para);
        } else {
          const uint64_t j = rng.next() % (seen + 1);
          if (j < o.max_sentences) sample[j].assign(para);
        }
        ++seen;
      }
    });
  }
  if (sample.empty()) throw TokenizerError(dir.string() + ": no train records with text to train a tokenizer on");

  const bool by_word = o.word_counts && o.model_type == "bpe" &&
                       std::none_of(sample.begin(), sample.end(),
                                    [](const std::string& p) { return p.find('\t') != std::string::npos; });
  const std::vector<std::string> input = trainer_input(sample, by_word);
  std::unordered_map<std::string, std::string> args = {
      {"model_type", o.model_type},
      {"vocab_size", std::to_string(o.vocab_size)},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "true"},
      {"allow_whitespace_only_pieces", "true"},
      {"character_coverage", "0.9999"},
      {"max_sentence_length", std::to_string(kMaxSentenceBytes)},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"hard_vocab_limit", "false"},
      {"num_threads", std::to_string(o.threads)},
      {"unk_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"pad_id", "-1"},
      {"unk_surface", " \xE2\x81\x87 "},
  };
  if (by_word) {
    args["input_format"] = "tsv";
    args["max_sentence_length"] = std::to_string(kMaxSentenceBytes + 32);  // room for the "\t<count>"
  }
  std::string proto;
  {
    std::lock_guard lock(g_log_mutex);
    sentencepiece::logging::SetMinLogLevel(o.verbose ? 0 : 2);
    sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(o.seed));
    VectorIterator it(input);
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
    sentencepiece::logging::SetMinLogLevel(0);
    if (!status.ok())
      throw TokenizerError(
          fmt::format("training the tokenizer on {} sentences failed: {}", sample.size(), status.ToString()));
  }
  const Tokenizer t = Tokenizer::from_serialized(proto, "the trained tokenizer");
  storage::write_file_atomic(dir / "tokenizer.model", proto);
  storage::TokenizerInfo info;
  info.model_type = o.model_type;
  info.vocab_size = static_cast<uint32_t>(t.vocab_size());
  info.requested_vocab_size = static_cast<uint32_t>(o.vocab_size);
  info.sentences = sample.size();
  info.sha256 = storage::sha256_hex(proto);
  return info;
}

Tokenizer Tokenizer::load(const fs::path& path) {
  std::string bytes;
  try {
    bytes = storage::read_file(path);
  } catch (const storage::StorageError& e) {
    throw TokenizerError(std::string(e.what()) + " (train one with 'primer tokenizer train --data DIR')");
  }
  return from_serialized(bytes, path.string());
}

Tokenizer Tokenizer::from_serialized(std::string_view model_proto, const std::string& origin) {
  auto sp = std::make_shared<sentencepiece::SentencePieceProcessor>();
  sentencepiece::util::Status status;
  try {
    status = sp->LoadFromSerializedProto(model_proto);
  } catch (const std::exception& e) {
    // sentencepiece's trie builder throws on some malformed models (an empty piece, for one).
    throw TokenizerError(origin + " is not a usable sentencepiece model: " + e.what());
  }
  if (!status.ok()) throw TokenizerError(origin + " is not a sentencepiece model: " + status.ToString());
  if (sp->bos_id() < 0) throw TokenizerError(origin + " has no BOS piece; token shards need one");
  static std::atomic<uint64_t> next_id{1};
  Tokenizer t;
  t.sp_ = std::move(sp);
  t.sha256_ = storage::sha256_hex(model_proto);
  t.by_word_ = detail::splits_at_spaces(detail::read_spm_facts(model_proto));
  t.id_ = next_id.fetch_add(1);
  return t;
}

int Tokenizer::vocab_size() const { return sp_->GetPieceSize(); }
int Tokenizer::bos_id() const { return sp_->bos_id(); }

void Tokenizer::encode_whole(std::string_view text, std::vector<int>& ids) const {
  thread_local std::vector<int> out;
  const auto status = sp_->Encode(text, &out);
  if (!status.ok()) throw TokenizerError("sentencepiece could not encode a text: " + status.ToString());
  ids.insert(ids.end(), out.begin(), out.end());
}

namespace {

// A thread's encoded words: word -> its ids (a range of `ids`), for one model at a time.
struct WordCache {
  static constexpr size_t kMaxWordBytes = 48;    // longer words are encoded, not kept
  static constexpr size_t kMaxWords = 1u << 15;  // then it starts over: a few MB at most
  uint64_t model = 0;
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>, base::StringHash, std::equal_to<>> index;
  std::vector<int> ids;
  void reset(uint64_t m) {
    model = m;
    index.clear();
    ids.clear();
  }
};

}  // namespace

void Tokenizer::encode_word(std::string_view word, std::vector<int>& ids) const {
  if (word.size() > WordCache::kMaxWordBytes) return encode_whole(word, ids);
  thread_local WordCache cache;
  if (cache.model != id_) cache.reset(id_);
  if (const auto it = cache.index.find(word); it != cache.index.end()) {
    const auto [at, n] = it->second;
    ids.insert(ids.end(), cache.ids.begin() + at, cache.ids.begin() + at + n);
    return;
  }
  if (cache.index.size() >= WordCache::kMaxWords) cache.reset(id_);
  const size_t at = cache.ids.size();
  encode_whole(word, cache.ids);
  cache.index.emplace(word, std::pair{static_cast<uint32_t>(at), static_cast<uint32_t>(cache.ids.size() - at)});
  ids.insert(ids.end(), cache.ids.begin() + static_cast<std::ptrdiff_t>(at), cache.ids.end());
}

void Tokenizer::encode(std::string_view text, std::vector<int>& ids) const {
  if (!by_word_ || !splits_cleanly(text)) return encode_whole(text, ids);
  for (size_t start = 0;;) {
    const size_t space = text.find(' ', start);
    encode_word(text.substr(start, space - start), ids);
    if (space == std::string_view::npos) return;
    start = space + 1;
  }
}

std::string Tokenizer::decode(std::span<const int> ids) const {
  std::string text;
  const auto status = sp_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  if (!status.ok()) throw TokenizerError("sentencepiece could not decode: " + status.ToString());
  return text;
}

std::string Tokenizer::piece(int id) const { return sp_->IdToPiece(id); }
std::string Tokenizer::decode_continuation(std::span<const int> context, std::span<const int> ids) const {
  std::vector<int> all(context.begin(), context.end());
  all.insert(all.end(), ids.begin(), ids.end());
  const std::string head = decode(context), full = decode(all);
  return full.compare(0, head.size(), head) == 0 ? full.substr(head.size()) : decode(ids);
}
int Tokenizer::eos_id() const { return sp_->eos_id(); }
int Tokenizer::unk_id() const { return sp_->unk_id(); }
float Tokenizer::score(int id) const { return sp_->GetScore(id); }
int Tokenizer::token_type(int id) const {
  if (sp_->IsUnknown(id)) return 2;
  if (sp_->IsControl(id)) return 3;
  if (sp_->IsByte(id)) return 6;
  return 1;
}
std::string Tokenizer::serialized() const { return sp_->serialized_model_proto(); }

}  // namespace primer::model
