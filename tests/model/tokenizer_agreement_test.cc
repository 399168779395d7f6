// The model, its tokenizer and its token shards must agree, and every command says so
// when they do not: a tokenizer that trained fewer pieces than asked is reported, `train`
// refuses a vocab_size below the pieces and warns about one above, and `sample` never
// draws an id the tokenizer lacks (sentencepiece would fail with "Invalid id"); token
// shards record the tokenizer that made them, and stale ones are refused.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "model/tokenizer.h"
#include "storage/sha256.h"
#include "storage/tokens.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using testing::run_primer;

namespace {

// A built-in dataset of 200 stories whose run asked for 4096 pieces (made once per
// process; tests copy it before changing it).
const fs::path& small_dataset() {
  static testing::TempDir dir;
  static fs::path data = [] {
    testing::write_file(dir / "run.toml",
                        "seed = 5\ncount = 200\n[storage]\nvalidation_fraction = 0.1\n"
                        "[tokenizer]\nvocab_size = 4096\n");
    const auto r = run_primer({"run", (dir / "run.toml").string(), "--out", (dir / "data").string(), "--quiet"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return dir / "data";
  }();
  return data;
}

std::string tiny_train_toml(const fs::path& data, int vocab_size) {
  return "[model]\ndim = 16\nn_layers = 1\nn_heads = 2\nn_kv_heads = 2\nhidden_dim = 32\nvocab_size = " +
         std::to_string(vocab_size) + "\nseq_len = 128\n[train]\ndata = \"" + data.string() +
         "\"\nbatch_size = 2\nsteps = 3\nwarmup = 1\nlog_every = 0\n";
}

}  // namespace

TEST_CASE(
    "fewer pieces than asked: tokenizer train says so, train refuses too small a vocab_size and warns about a larger one, sample stays within the pieces") {
  testing::TempDir tmp;
  const fs::path data = tmp / "data";
  fs::copy(small_dataset(), data, fs::copy_options::recursive);

  auto r = run_primer({"tokenizer", "train", "--data", data.string(), "--vocab-size", "4096", "--seed", "5"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const int pieces = model::Tokenizer::load(data / "tokenizer.model").vocab_size();
  MESSAGE("4096 pieces asked for, " << pieces << " delivered");
  REQUIRE(pieces < 4096);
  CHECK(r.err.find("warning: the tokenizer has " + std::to_string(pieces) + " pieces, fewer than the 4096 asked for") !=
        std::string::npos);
  r = run_primer({"inspect", data.string()});
  CHECK(r.out.find("(4096 asked for)") != std::string::npos);
  REQUIRE(run_primer({"tokenizer", "encode", "--data", data.string()}).exit_code == 0);

  testing::write_file(tmp / "small.toml", tiny_train_toml(data, pieces - 1));
  r = run_primer({"train", (tmp / "small.toml").string(), "--out", (tmp / "small").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("set vocab_size = " + std::to_string(pieces)) != std::string::npos);

  testing::write_file(tmp / "large.toml", tiny_train_toml(data, pieces + 300));
  r = run_primer({"train", (tmp / "large.toml").string(), "--out", (tmp / "large").string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("warning: model.vocab_size is " + std::to_string(pieces + 300)) != std::string::npos);
  CHECK(r.err.find("300 embedding rows will never be trained") != std::string::npos);

  // At temperature 100 the draw is nearly uniform over all pieces + 300 ids: without the
  // limit, one of ~120 tokens lands past the tokenizer almost surely.
  r = run_primer({"sample", (tmp / "large").string(), "--prompt", "Once upon a time", "--temperature", "100",
                  "--max-tokens", "120", "--seed", "3", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(r.out).get(e));
  size_t n = 0;
  for (auto t : e["tokens"].get_array()) {
    CHECK(int64_t(t) < pieces);
    ++n;
  }
  CHECK(n > 50);
}

TEST_CASE("token shards record their tokenizer's sha256 in the llm.c header's spare slots") {
  testing::TempDir tmp;
  const std::string sha = "00ff10e0" + std::string(56, 'a');
  {
    storage::TokenShardWriter w(tmp / "a.bin", sha);
    const std::vector<uint16_t> doc = {1, 5, 6};
    w.append_document(doc);
    w.finish();
  }
  const std::string bytes = testing::read_file(tmp / "a.bin");
  int32_t header[256];
  std::memcpy(header, bytes.data(), sizeof header);
  CHECK(header[0] == storage::kTokenMagic);
  CHECK(header[1] == 1);  // llm.c's version: its readers still read the file
  CHECK(header[2] == 3);
  CHECK(header[3] == 1);
  CHECK(static_cast<unsigned char>(bytes[16]) == 0x00);
  CHECK(static_cast<unsigned char>(bytes[17]) == 0xff);
  CHECK(static_cast<unsigned char>(bytes[18]) == 0x10);
  CHECK(static_cast<unsigned char>(bytes[47]) == 0xaa);
  for (int i = 12; i < 256; ++i) CHECK(header[i] == 0);
  const storage::TokenShardHeader h = storage::read_token_header(tmp / "a.bin");
  CHECK(h.tokens == 3);
  CHECK(h.tokenizer_sha256 == sha);
  CHECK_NOTHROW(storage::check_token_tokenizer(tmp / "a.bin", h, sha));
  CHECK_NOTHROW(storage::check_token_tokenizer(tmp / "a.bin", h, ""));
  CHECK_THROWS_WITH_AS(storage::check_token_tokenizer(tmp / "a.bin", h, std::string(64, 'b')),
                       doctest::Contains("encoded with another tokenizer"), storage::StorageError);
  // a shard without a recorded tokenizer (older primer, other tools) passes
  {
    storage::TokenShardWriter w(tmp / "b.bin");
    w.finish();
  }
  const storage::TokenShardHeader none = storage::read_token_header(tmp / "b.bin");
  CHECK(none.tokenizer_sha256.empty());
  CHECK_NOTHROW(storage::check_token_tokenizer(tmp / "b.bin", none, sha));
}

TEST_CASE("a retrained tokenizer leaves stale token shards: inspect --verify and train refuse them until re-encoded") {
  testing::TempDir tmp;
  const fs::path data = tmp / "data";
  fs::copy(small_dataset(), data, fs::copy_options::recursive);
  const model::Tokenizer old_tok = model::Tokenizer::load(data / "tokenizer.model");
  CHECK(old_tok.sha256() == storage::sha256_file(data / "tokenizer.model"));
  CHECK(storage::read_token_header(data / "tokens" / "train-00000.bin").tokenizer_sha256 == old_tok.sha256());
  REQUIRE(run_primer({"inspect", data.string(), "--verify"}).exit_code == 0);

  auto r = run_primer({"tokenizer", "train", "--data", data.string(), "--vocab-size", "600"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const int pieces = model::Tokenizer::load(data / "tokenizer.model").vocab_size();
  for (const auto& args : {std::vector<std::string>{"inspect", data.string(), "--verify"},
                           std::vector<std::string>{"inspect", data.string()},
                           std::vector<std::string>{"inspect", (data / "tokens").string()}}) {
    r = run_primer(args);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("train-00000.bin was encoded with another tokenizer") != std::string::npos);
    CHECK(r.err.find("primer tokenizer encode --data " + data.string()) != std::string::npos);
  }
  testing::write_file(tmp / "t.toml", tiny_train_toml(data, pieces));
  r = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("encoded with another tokenizer") != std::string::npos);
  CHECK(r.err.find("stale") != std::string::npos);

  REQUIRE(run_primer({"tokenizer", "encode", "--data", data.string()}).exit_code == 0);
  r = run_primer({"inspect", data.string(), "--verify"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  r = run_primer({"train", (tmp / "t.toml").string(), "--out", (tmp / "run").string()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}
