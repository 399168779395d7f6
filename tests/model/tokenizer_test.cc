// Tokenizer training and token-shard encoding (model/tokenizer.h, model/encode.h), and
// the `primer inspect` / `primer tokenizer` command lines.
#include <doctest/doctest.h>

#include <algorithm>

#include "base/json.h"
#include "model/encode.h"
#include "model/tokenizer.h"
#include "storage/card.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/sha256.h"
#include "storage/shard.h"
#include "storage/tokens.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

// Texts that exercise what a tokenizer can get wrong: paragraphs, runs of spaces,
// leading/trailing whitespace, digits, non-ASCII letters, emoji, quotes.
std::vector<std::string> texts(size_t n) {
  static const char* words[] = {"the",  "dog",  "ran",   "to",   "a",      "big",   "red",
                                "ball", "and",  "Lily",  "said", "\"hi\"", "happy", "tree",
                                "sun",  "café", "naïve", "über", "🙂",   "2024",  "x7"};
  std::vector<std::string> out;
  uint64_t x = 42;
  for (size_t i = 0; i < n; ++i) {
    std::string t = i % 7 == 0 ? "  " : "";
    const int len = 20 + static_cast<int>(i % 50);
    for (int w = 0; w < len; ++w) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      t += words[x % (sizeof words / sizeof *words)];
      t += w % 11 == 10 ? ".\n\n" : (w % 13 == 0 ? "   " : " ");
    }
    t += std::to_string(i * 7919) + (i % 5 == 0 ? " \n" : ".");
    out.push_back(std::move(t));
  }
  return out;
}

// A dataset directory with two train shards, one validation shard and a manifest.
storage::Manifest make_dataset(const fs::path& dir, const std::vector<std::string>& all) {
  fs::create_directories(dir / "data");
  storage::Manifest m;
  m.primer_version = "test";
  const size_t a = all.size() * 2 / 5, b = all.size() * 4 / 5;
  const std::vector<std::tuple<std::string, size_t, size_t, std::string>> parts = {
      {"train", 0, a, "data/train-00000-of-00002.jsonl.zst"},
      {"train", a, b, "data/train-00001-of-00002.jsonl.zst"},
      {"validation", b, all.size(), "data/validation-00000-of-00001.jsonl.zst"}};
  for (const auto& [split, from, to, rel] : parts) {
    storage::ShardWriter w(dir / rel, 3);
    for (size_t i = from; i < to; ++i) {
      std::string line = "{\"text\":";
      base::append_json_string(line, all[i]);
      line += "}";
      w.append(line);
    }
    storage::ShardInfo info = w.finish();
    info.path = rel;
    info.split = split;
    m.shards.push_back(info);
  }
  m.kept = all.size();
  storage::write_file_atomic(dir / "README.md", storage::dataset_card(m, {}));
  storage::write_file_atomic(dir / "manifest.json", m.to_json());
  return m;
}

// Splits a token shard into documents at BOS.
std::vector<std::vector<int>> documents(const std::vector<uint16_t>& tokens, int bos) {
  std::vector<std::vector<int>> docs;
  for (uint16_t t : tokens) {
    if (t == bos) docs.emplace_back();
    else {
      REQUIRE_FALSE(docs.empty());  // the first token is BOS
      docs.back().push_back(t);
    }
  }
  return docs;
}

// A tokenizer of `vocab_size` pieces trained on the dataset in `dir` (its tokenizer.model).
model::Tokenizer trained(const fs::path& dir, int vocab_size, const std::string& type = "bpe") {
  model::TokenizerOptions o;
  o.vocab_size = vocab_size;
  o.model_type = type;
  model::train_tokenizer(dir, model::dataset_shards(dir), o);
  return model::Tokenizer::load(dir / "tokenizer.model");
}

}  // namespace

TEST_CASE("options are checked; more than 65,535 pieces cannot go into uint16 token shards") {
  model::TokenizerOptions o;
  CHECK_NOTHROW(model::check_tokenizer_options(o));
  o.model_type = "wordpiece";
  CHECK_THROWS_WITH_AS(model::check_tokenizer_options(o), doctest::Contains("wordpiece"), model::TokenizerError);
  o.model_type = "unigram";
  o.vocab_size = 65536;
  CHECK_THROWS_WITH_AS(model::check_tokenizer_options(o), doctest::Contains("65536"), model::TokenizerError);
  o.vocab_size = 100;
  CHECK_THROWS_AS(model::check_tokenizer_options(o), model::TokenizerError);
  CHECK_NOTHROW(model::require_uint16_vocab(65535, "m"));
  CHECK_THROWS_WITH_AS(model::require_uint16_vocab(65536, "big.model"),
                       doctest::Contains("big.model has 65536 pieces; token shards store uint16 ids"),
                       model::TokenizerError);
}

TEST_CASE("train: deterministic, exact round trip, digits split, bounded sample") {
  TempDir dir;
  const auto all = texts(600);
  make_dataset(dir.path(), all);
  model::TokenizerOptions o;
  o.vocab_size = 400;
  const storage::TokenizerInfo info = model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
  CHECK(info.model_type == "bpe");
  CHECK(info.vocab_size <= 400);
  CHECK(info.vocab_size > 300);
  CHECK(info.sha256 == storage::sha256_file(dir / "tokenizer.model"));
  const std::string first = primer::testing::read_file(dir / "tokenizer.model");

  // Same data and options, same bytes.
  model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
  CHECK(primer::testing::read_file(dir / "tokenizer.model") == first);

  const model::Tokenizer tok = model::Tokenizer::load(dir / "tokenizer.model");
  CHECK(tok.bos_id() == 1);
  CHECK(tok.vocab_size() == int(info.vocab_size));
  for (const std::string& t :
       {all[0], all[7], all[599], std::string("  two  spaces \n\n end "), std::string("never seen: ǅ 漢字 \x01 ✓")}) {
    std::vector<int> ids;
    tok.encode(t, ids);
    CHECK(tok.decode(ids) == t);
    for (int id : ids) CHECK(tok.piece(id) != "<unk>");  // byte fallback instead
  }
  std::vector<int> ids;
  tok.encode("12345", ids);
  for (int id : ids) {
    const std::string p = tok.piece(id);
    CHECK(std::count_if(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }) <= 1);
  }

  // The sample is bounded: at most max_sentences paragraphs, and a different sample
  // (seed) gives a different model.
  o.max_sentences = 50;
  const storage::TokenizerInfo small = model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
  CHECK(small.sentences == 50);
  CHECK(info.sentences > 50);
  o.seed = 2;
  CHECK(model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o).sha256 != small.sha256);

  o.model_type = "unigram";
  o.max_sentences = 200000;
  const storage::TokenizerInfo uni = model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
  CHECK(uni.model_type == "unigram");
  const model::Tokenizer u = model::Tokenizer::load(dir / "tokenizer.model");
  ids.clear();
  u.encode(all[3], ids);
  CHECK(u.decode(ids) == all[3]);

  CHECK_THROWS_WITH_AS(model::Tokenizer::load(dir / "none.model"), doctest::Contains("primer tokenizer train"),
                       model::TokenizerError);
  storage::write_file_atomic(dir / "junk.model", "not a model");
  CHECK_THROWS_WITH_AS(model::Tokenizer::load(dir / "junk.model"), doctest::Contains("not a sentencepiece model"),
                       model::TokenizerError);
}

TEST_CASE("train from word counts: the same pieces and scores as from the paragraphs") {
  // The stories as texts() writes them (runs of spaces, leading and trailing ones), the
  // same with single spaces (every paragraph clean), and some with a meta piece, U+2047,
  // U+2581; then a sample with a tab, which goes to sentencepiece as paragraphs.
  std::vector<std::string> raw = texts(600), tidy;
  for (std::string t : raw) {
    std::string out;
    for (char c : t)
      if (c != ' ' || (!out.empty() && out.back() != ' ' && out.back() != '\n')) out.push_back(c);
    while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
    tidy.push_back(out);
  }
  std::vector<std::string> odd = tidy;
  odd[3] += " a <s> b";
  odd[4] += " \xE2\x81\x87 x";
  odd[5] += " y\xE2\x96\x81z";
  for (const auto* all : {&raw, &tidy, &odd}) {
    TempDir dir;
    make_dataset(dir.path(), *all);
    model::TokenizerOptions o;
    o.vocab_size = 500;
    model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
    const model::Tokenizer by_word = model::Tokenizer::load(dir / "tokenizer.model");
    o.word_counts = false;
    model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o);
    const model::Tokenizer by_sentence = model::Tokenizer::load(dir / "tokenizer.model");
    REQUIRE(by_word.vocab_size() == by_sentence.vocab_size());
    size_t different = 0;
    for (int id = 0; id < by_word.vocab_size(); ++id)
      different += by_word.piece(id) != by_sentence.piece(id) || by_word.score(id) != by_sentence.score(id);
    CHECK(different == 0);
    CHECK(by_word.sha256() != by_sentence.sha256());  // the trainer spec says "tsv"
  }

  // A tab in the sample: paragraphs, byte for byte the model trained without word counts.
  TempDir dir;
  std::vector<std::string> tabbed = tidy;
  tabbed[2] += "\tindented";
  make_dataset(dir.path(), tabbed);
  model::TokenizerOptions o;
  o.vocab_size = 500;
  const std::string a = model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o).sha256;
  o.word_counts = false;
  CHECK(model::train_tokenizer(dir.path(), model::dataset_shards(dir.path()), o).sha256 == a);
}

TEST_CASE("encode word by word: the ids of sentencepiece on the whole text, for any text") {
  TempDir dir;
  const auto all = texts(600);
  make_dataset(dir.path(), all);
  const model::Tokenizer tok = trained(dir.path(), 400);
  REQUIRE(tok.encodes_by_word());  // a BPE model as train_tokenizer makes them

  // Texts the word-by-word path takes and texts it must leave to sentencepiece whole:
  // spaces at either end or doubled (whitespace-only pieces span them), a literal U+2581,
  // words past the cache's length, tabs, paragraphs, invalid UTF-8, NUL, unknown scripts.
  using namespace std::string_literals;
  std::vector<std::string> cases(all.begin(), all.end());
  for (std::string t :
       {""s, " "s, "a"s, "Lily"s, "the dog ran"s, " the dog"s, "the dog "s, "the  dog"s, "the\tdog\nran.\n\nThe end"s,
        "a\xE2\x96\x81"
        "b"s,
        "\xE2\x96\x81the dog"s, "big \xE2\x96\x81 red"s, "caf\xC3\xA9 na\xC3\xAFve \xF0\x9F\x99\x82 2024"s,
        "bad \xFF\xFE bytes \xC3"s, "nul \0 inside"s, "\xE6\xBC\xA2\xE5\xAD\x97 \xC7\x85"s, "x7 12345 3.14 -0"s})
    cases.push_back(t);
  cases.push_back(std::string(200, 'z') + " " + std::string(60, 'q') + "u end");
  // Random texts: pieces of the stories with every kind of separator, and their words
  // joined by single spaces and line breaks (the word-by-word path's usual input).
  uint64_t x = 7;
  auto next = [&] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
  const std::string seps[] = {" ", " ", " ", "  ", "\n", "\t", " \n ", "\xE2\x96\x81", "", "\xC2\xA0"};
  std::vector<std::string> words;
  for (const std::string& t : all)
    for (size_t at = 0; at < t.size();) {
      const size_t space = std::min(t.find(' ', at), t.size());
      if (space > at) words.push_back(t.substr(at, space - at));
      at = space + 1;
    }
  for (int i = 0; i < 300; ++i) {
    std::string t;
    const std::string& src = all[next() % all.size()];
    for (int w = 0; w < 30; ++w) {
      t += i % 2 ? src.substr(next() % src.size(), next() % 9) : words[next() % words.size()];
      t += i % 2 ? seps[next() % std::size(seps)] : (w == 29 ? "." : next() % 8 ? " " : ".\n");
    }
    cases.push_back(std::move(t));
  }
  size_t by_word = 0;
  for (int round = 0; round < 2; ++round)  // the second round comes from the cache
    for (const std::string& t : cases) {
      std::vector<int> fast = {7}, whole = {7};  // both append
      tok.encode(t, fast);
      tok.encode_whole(t, whole);
      CHECK_MESSAGE(fast == whole, "text: [" << t << "]");
      by_word += !t.empty() && t.front() != ' ' && t.back() != ' ' && t.find("  ") == std::string::npos;
    }
  CHECK(by_word >= 2 * 150);  // the joined words, at least, took the word-by-word path

  // Two models on one thread: each gets its own words (the cache knows which model it holds).
  fs::create_directories(dir / "other");
  fs::copy(dir / "data", dir / "other" / "data", fs::copy_options::recursive);
  const model::Tokenizer small = trained(dir / "other", 300);
  REQUIRE(small.encodes_by_word());
  for (const std::string& t : {all[1], all[2]}) {
    std::vector<int> a, b, a_whole, b_whole;
    tok.encode(t, a);
    small.encode(t, b);
    tok.encode_whole(t, a_whole);
    small.encode_whole(t, b_whole);
    CHECK(a == a_whole);
    CHECK(b == b_whole);
    CHECK(a != b);
  }

  // Unigram: its Viterbi sums scores over the whole text, so it is never split.
  const model::Tokenizer uni = trained(dir.path(), 300, "unigram");
  CHECK_FALSE(uni.encodes_by_word());
  std::vector<int> u, u_whole;
  uni.encode(all[5], u);
  uni.encode_whole(all[5], u_whole);
  CHECK(u == u_whole);
}

TEST_CASE("encode: BOS-delimited documents that decode to the texts, identical for any thread count") {
  TempDir dir;
  const auto all = texts(500);
  const storage::Manifest m = make_dataset(dir.path(), all);
  model::TokenizerOptions o;
  o.vocab_size = 512;
  model::train_tokenizer(dir.path(), m.shards, o);
  const model::Tokenizer tok = model::Tokenizer::load(dir / "tokenizer.model");

  model::EncodeOptions e;
  e.threads = 1;
  e.block_bytes = 4096;  // several blocks per shard
  const model::EncodeReport one = model::encode_dataset(dir.path(), m.shards, tok, e);
  REQUIRE(one.shards.size() == 3);
  CHECK(one.shards[0].path == "tokens/train-00000.bin");
  CHECK(one.shards[1].path == "tokens/train-00001.bin");
  CHECK(one.shards[2].path == "tokens/validation-00000.bin");
  CHECK(one.shards[2].split == "validation");
  CHECK(one.documents == all.size());
  CHECK(one.malformed == 0);
  std::vector<std::string> files;
  for (const auto& s : one.shards) files.push_back(primer::testing::read_file(dir / s.path));

  e.threads = 2;
  e.block_bytes = 2 << 20;
  const model::EncodeReport two = model::encode_dataset(dir.path(), m.shards, tok, e);
  for (size_t i = 0; i < two.shards.size(); ++i) {
    CHECK(primer::testing::read_file(dir / two.shards[i].path) == files[i]);
    CHECK(two.shards[i].sha256 == one.shards[i].sha256);
  }

  size_t k = 0;
  uint64_t total = 0;
  for (const auto& s : one.shards) {
    const std::vector<uint16_t> tokens = storage::read_token_shard(dir / s.path);
    CHECK(tokens.size() == s.tokens);
    total += tokens.size();
    REQUIRE(!tokens.empty());
    CHECK(tokens[0] == tok.bos_id());
    const auto docs = documents(tokens, tok.bos_id());
    CHECK(docs.size() == s.documents);
    for (const auto& d : docs) {
      REQUIRE(k < all.size());
      CHECK(tok.decode(d) == all[k]);
      ++k;
    }
  }
  CHECK(k == all.size());
  CHECK(total == one.tokens);
}

TEST_CASE("encode skips and counts malformed lines") {
  TempDir dir;
  fs::create_directories(dir / "data");
  {
    storage::ShardWriter w(dir / "data/train-00000-of-00001.jsonl.zst", 3);
    for (const auto& t : texts(200)) {
      std::string line = "{\"text\":";
      base::append_json_string(line, t);
      w.append(line + "}");
    }
    w.append("{broken");
    w.append("{\"no_text\":1}");
    w.finish();
  }
  // No manifest: the shards are found in data/.
  const auto shards = model::dataset_shards(dir.path());
  REQUIRE(shards.size() == 1);
  CHECK(shards[0].split == "train");
  model::TokenizerOptions o;
  o.vocab_size = 400;
  model::train_tokenizer(dir.path(), shards, o);
  const auto r = model::encode_dataset(dir.path(), shards, model::Tokenizer::load(dir / "tokenizer.model"), {});
  CHECK(r.documents == 200);
  CHECK(r.malformed == 2);
  CHECK_FALSE(model::update_manifest(dir.path(), [](storage::Manifest&) {}));
  CHECK_THROWS_AS(model::dataset_shards(dir / "nowhere"), storage::StorageError);
}

TEST_CASE("command line: tokenizer train/encode record the tokens; inspect --verify exits 1 naming a damaged shard") {
  using primer::testing::run_command;
  const std::string primer = primer::testing::primer_binary();
  TempDir dir;
  const auto all = texts(300);
  const storage::Manifest m = make_dataset(dir / "ds", all);
  const std::string ds = (dir / "ds").string();

  auto r = run_command({primer, "tokenizer", "train", "--data", ds, "--vocab-size", "400"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("400 pieces") != std::string::npos);
  r = run_command({primer, "tokenizer", "encode", "--data", ds, "--threads", "2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("encoded 300 documents") != std::string::npos);
  const storage::Manifest after = storage::Manifest::load(dir / "ds/manifest.json");
  REQUIRE(after.tokenizer.has_value());
  CHECK(after.tokenizer->vocab_size == 400);
  CHECK(after.token_shards.size() == 3);
  CHECK(after.shards.size() == m.shards.size());
  CHECK(primer::testing::read_file(dir / "ds/README.md").find("## Tokens") != std::string::npos);

  r = run_command({primer, "inspect", ds, "--verify"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("verify: OK") != std::string::npos);
  CHECK(r.out.find("tokens/validation-00000.bin") != std::string::npos);
  r = run_command({primer, "inspect", ds, "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("{\"path\":", 0) == 0);

  const fs::path shard = dir / "ds" / m.shards[1].path;
  const std::string original = primer::testing::read_file(shard);
  std::string flipped = original;
  flipped[flipped.size() / 2] ^= 0x01;
  primer::testing::write_file(shard, flipped);
  r = run_command({primer, "inspect", ds, "--verify"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(m.shards[1].path + ": corrupted") != std::string::npos);
  CHECK(r.err.find(m.shards[1].path) != std::string::npos);
  primer::testing::write_file(shard, original.substr(0, original.size() - 100));
  r = run_command({primer, "inspect", ds, "--verify"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(m.shards[1].path + ": truncated") != std::string::npos);
  fs::remove(shard);
  r = run_command({primer, "inspect", ds, "--verify"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(m.shards[1].path + ": missing") != std::string::npos);
  primer::testing::write_file(shard, original);
  CHECK(run_command({primer, "inspect", ds, "--verify"}).exit_code == 0);

  // Bad input: exit 2 with one line; missing tokenizer: exit 1 with what to do.
  r = run_command({primer, "inspect", (dir / "nope").string()});
  CHECK(r.exit_code == 2);
  r = run_command({primer, "tokenizer", "train", "--data", ds, "--vocab-size", "70000"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("65535") != std::string::npos);
  fs::create_directories(dir / "empty/data");
  r = run_command({primer, "tokenizer", "encode", "--data", (dir / "empty").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("primer tokenizer train") != std::string::npos);
  for (const std::vector<std::string>& help : {std::vector<std::string>{"inspect", "--help"},
                                               {"tokenizer", "--help"},
                                               {"tokenizer", "train", "--help"},
                                               {"tokenizer", "encode", "--help"}}) {
    std::vector<std::string> argv = {primer};
    argv.insert(argv.end(), help.begin(), help.end());
    r = run_command(argv);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("--") != std::string::npos);
  }
}
