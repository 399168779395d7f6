// The storage acceptance checks of issue 5: shard writer options (zstd workers, size
// limits), the streaming record reader, token shards, manifest/card additions, and
// `inspect --verify` catching every flipped byte, truncation and missing shard by name.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <cstring>
#include <fstream>

#include "base/json.h"
#include "storage/card.h"
#include "storage/files.h"
#include "storage/inspect.h"
#include "storage/manifest.h"
#include "storage/reader.h"
#include "storage/sha256.h"
#include "storage/shard.h"
#include "storage/tokens.h"
#include "tests/storage/record_lines.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer::storage;
using primer::storage::testing::record;
using primer::testing::TempDir;

namespace {

std::string write_shard(const fs::path& path, uint64_t first, uint64_t n, const ShardOptions& o) {
  ShardWriter w(path, o);
  for (uint64_t i = first; i < first + n; ++i) w.append(record(i));
  w.finish();
  return primer::testing::read_file(path);
}

// A finished dataset directory as `primer run` leaves it: 3 train shards, 1 validation
// shard, manifest.json and README.md.
Manifest make_dataset(const fs::path& dir) {
  fs::create_directories(dir / "data");
  Manifest m;
  m.primer_version = "test";
  m.config_hash = "c0ffee";
  m.kind = "tinystories";
  m.teacher = "builtin";
  uint64_t next = 0;
  auto add = [&](const std::string& split, int i, int n, uint64_t records) {
    const std::string rel =
        "data/" + split + "-0000" + std::to_string(i) + "-of-0000" + std::to_string(n) + ".jsonl.zst";
    ShardWriter w(dir / rel, 3);
    for (uint64_t k = 0; k < records; ++k) w.append(record(next++));
    ShardInfo info = w.finish();
    info.path = rel;
    info.split = split;
    m.shards.push_back(info);
  };
  add("train", 0, 3, 300);
  add("train", 1, 3, 300);
  add("train", 2, 3, 57);
  add("validation", 0, 1, 20);
  m.kept = m.prompts = m.replies = next;
  write_file_atomic(dir / "README.md", dataset_card(m, CardInfo{"t", "other", "", "", ""}));
  write_file_atomic(dir / "manifest.json", m.to_json());
  return m;
}

bool mentions(const InspectReport& r, const std::string& name) {
  for (const auto& p : r.problems)
    if (p.rfind(name + ":", 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("zstd workers: the bytes depend on workers > 0, not on how many") {
  TempDir dir;
  // ~6 MB: several multi-threaded jobs at level 3.
  const std::string one = write_shard(dir / "w1.jsonl.zst", 0, 20000, {3, 1});
  const std::string two = write_shard(dir / "w2.jsonl.zst", 0, 20000, {3, 2});
  const std::string three = write_shard(dir / "w3.jsonl.zst", 0, 20000, {3, 3});
  const std::string zero = write_shard(dir / "w0.jsonl.zst", 0, 20000, {3, 0});
  CHECK(one == two);
  CHECK(two == three);
  CHECK(zero != one);  // a different (equally valid) frame layout
  // Both layouts read back to the same lines.
  for (const char* name : {"w0.jsonl.zst", "w2.jsonl.zst"}) {
    uint64_t i = 0;
    bool same = true;
    read_lines(dir / name, [&](std::string_view l) { same = same && l == record(i++); });
    CHECK(same);
    CHECK(i == 20000);
  }
  // Small shards are compressed single-threaded whatever the option.
  CHECK(write_shard(dir / "s0.jsonl.zst", 0, 100, {3, 0}) == write_shard(dir / "s2.jsonl.zst", 0, 100, {3, 2}));
  CHECK_THROWS_WITH_AS(ShardWriter(dir / "bad.jsonl.zst", ShardOptions{3, -1}), doctest::Contains("workers"),
                       StorageError);
}

TEST_CASE("shard limits: records or uncompressed bytes, whichever comes first") {
  TempDir dir;
  ShardWriter w(dir / "a.jsonl.zst", 3);
  CHECK_FALSE(w.full({0, 0}));
  w.append("0123456789");  // 11 bytes with its newline
  CHECK(w.uncompressed_bytes() == 11);
  CHECK_FALSE(w.full({2, 0}));
  CHECK_FALSE(w.full({0, 23}));
  w.append("0123456789");
  CHECK(w.uncompressed_bytes() == 22);
  CHECK(w.full({2, 0}));
  CHECK_FALSE(w.full({3, 23}));
  w.append("x");
  CHECK(w.full({0, 23}));
  CHECK(w.full({100, 23}));
  w.finish();
}

TEST_CASE("record reader: records with their text and fields; malformed lines counted by number") {
  const std::vector<std::string_view> lines = {
      R"({"text":"one","id":"a","index":1})",
      R"(not json)",
      R"({"id":"no text"})",
      R"({"text":"two\nlines","words":["x","y"]})",
      R"([1,2])",
      R"({"text":5})",
      R"({"text":"three"})",
  };
  std::vector<std::string> texts;
  std::vector<uint64_t> numbers;
  const ReadStats st = for_each_record_in(lines, [&](const RecordView& r) {
    texts.emplace_back(r.text);
    numbers.push_back(r.line_number);
    int64_t index;
    if (!r.json["index"].get(index)) CHECK(index == 1);
  });
  CHECK(texts == std::vector<std::string>{"one", "two\nlines", "three"});
  CHECK(numbers == std::vector<uint64_t>{1, 4, 7});
  CHECK(st.lines == 7);
  CHECK(st.records == 3);
  CHECK(st.malformed == 4);
  CHECK(st.malformed_lines == std::vector<uint64_t>{2, 3, 5, 6});
  CHECK(st.text_bytes == 3 + 9 + 5);
  CHECK(st.describe_malformed().rfind("4 malformed lines (2, 3, 5, 6): line 2: not valid JSON", 0) == 0);

  // From a file: the same, and a damaged stream still throws with the file name.
  TempDir dir;
  {
    ShardWriter w(dir / "m.jsonl.zst", 3);
    for (auto l : lines) w.append(l);
    w.finish();
  }
  const ReadStats fst = for_each_record(dir / "m.jsonl.zst", [](const RecordView&) {});
  CHECK(fst.records == 3);
  CHECK(fst.malformed_lines == st.malformed_lines);
  std::string bytes = primer::testing::read_file(dir / "m.jsonl.zst");
  write_file_atomic(dir / "cut.jsonl.zst", bytes.substr(0, bytes.size() - 5));
  CHECK_THROWS_WITH_AS(for_each_record(dir / "cut.jsonl.zst", [](const RecordView&) {}),
                       doctest::Contains("cut.jsonl.zst"), StorageError);
}

TEST_CASE("a line longer than kMaxLineBytes ends the read with an error after the lines before it") {
  TempDir dir;
  const std::string huge(kMaxLineBytes + (1 << 20), 'a');
  const std::vector<std::string_view> lines = {R"({"text":"one"})", R"({"text":"two"})", huge, R"({"text":"after"})"};
  {  // a zstd bomb: a few KB that inflate to one endless line
    ShardWriter w(dir / "bomb.jsonl.zst", 3);
    for (auto l : lines) w.append(l);
    w.finish();
  }
  CHECK(std::filesystem::file_size(dir / "bomb.jsonl.zst") < 100000);
  std::string plain;
  for (auto l : lines) plain.append(l).push_back('\n');
  write_file_atomic(dir / "long.jsonl", plain);
  for (const char* name : {"bomb.jsonl.zst", "long.jsonl"}) {
    INFO(name);
    std::vector<std::string> texts;
    const std::string why = std::string(name) + ": line 3 runs past 64 MiB without a newline";
    CHECK_THROWS_WITH_AS(for_each_record(dir / name, [&](const RecordView& r) { texts.emplace_back(r.text); }),
                         doctest::Contains(why.c_str()), StorageError);
    CHECK(texts == std::vector<std::string>{"one", "two"});
  }
  {  // a line of exactly the limit is read (and is malformed here: not JSON)
    ShardWriter w(dir / "edge.jsonl.zst", 3);
    w.append(std::string_view(huge).substr(0, kMaxLineBytes));
    w.append(lines[3]);
    w.finish();
  }
  const ReadStats st = for_each_record(dir / "edge.jsonl.zst", [](const RecordView&) {});
  CHECK(st.records == 1);
  CHECK(st.malformed == 1);
}

TEST_CASE("token shards: llm.c header, round trip, and checked reads") {
  TempDir dir;
  TokenShardWriter w(dir / "t.bin");
  const std::vector<uint16_t> a = {1, 500, 65535, 7}, b = {1}, c = {1, 2, 3};
  w.append_document(a);
  w.append_document(b);
  w.append_document(c);
  const TokenShardInfo info = w.finish();
  CHECK(info.path == "t.bin");
  CHECK(info.documents == 3);
  CHECK(info.tokens == 8);
  CHECK(info.bytes == 1024 + 16);
  CHECK(info.sha256 == sha256_file(dir / "t.bin"));
  const std::string bytes = primer::testing::read_file(dir / "t.bin");
  int32_t header[3];
  std::memcpy(header, bytes.data(), sizeof header);
  CHECK(header[0] == 20240520);
  CHECK(header[1] == 1);
  CHECK(header[2] == 8);
  CHECK(bytes.substr(12, 1012) == std::string(1012, '\0'));
  CHECK(read_token_count(dir / "t.bin") == 8);
  CHECK(read_token_shard(dir / "t.bin") == std::vector<uint16_t>{1, 500, 65535, 7, 1, 1, 2, 3});

  write_file_atomic(dir / "cut.bin", bytes.substr(0, bytes.size() - 1));
  CHECK_THROWS_WITH_AS(read_token_count(dir / "cut.bin"), doctest::Contains("cut.bin is truncated"), StorageError);
  std::string bad = bytes;
  bad[0] ^= 1;
  write_file_atomic(dir / "magic.bin", bad);
  CHECK_THROWS_WITH_AS(read_token_shard(dir / "magic.bin"), doctest::Contains("magic"), StorageError);
  bad = bytes;
  bad[4] = 2;
  write_file_atomic(dir / "version.bin", bad);
  CHECK_THROWS_WITH_AS(read_token_shard(dir / "version.bin"), doctest::Contains("version 2"), StorageError);
  write_file_atomic(dir / "short.bin", "abc");
  CHECK_THROWS_AS(read_token_count(dir / "short.bin"), StorageError);
}

TEST_CASE("manifest: tokenizer and token shards are optional and round-trip") {
  Manifest m;
  m.config_json = "{\"seed\":1}";
  m.shards.push_back({"data/train-00000-of-00001.jsonl.zst", "train", 5, 100, "aa"});
  const std::string plain = m.to_json();
  CHECK(plain.find("\"tokens\"") == std::string::npos);  // unchanged for datasets without tokens
  CHECK(plain.find("\"tokenizer\"") == std::string::npos);
  const Manifest back = Manifest::parse(plain, "m");
  CHECK_FALSE(back.tokenizer.has_value());
  CHECK(back.token_shards.empty());

  m.tokenizer = TokenizerInfo{"tokenizer.model", "bpe", 512, 1234, "beef"};
  m.token_shards.push_back({"tokens/train-00000.bin", "train", 5, 700, 2424, "cafe"});
  m.token_shards.push_back({"tokens/validation-00000.bin", "validation", 1, 90, 1204, "f00d"});
  const std::string json = m.to_json();
  const Manifest t = Manifest::parse(json, "m");
  CHECK(t.to_json() == json);
  REQUIRE(t.tokenizer.has_value());
  CHECK(t.tokenizer->vocab_size == 512);
  CHECK(t.tokenizer->sentences == 1234);
  CHECK(t.split_tokens("train") == 700);
  CHECK(t.split_tokens("validation") == 90);
  CHECK(t.token_shards[1].documents == 1);
}

TEST_CASE("dataset card: deduplication figures and the tokens section") {
  Manifest m;
  m.kept = 90;
  m.filters.push_back({"exact_dedup", 100, 93, {{"duplicate", 7}}});
  m.filters.push_back({"length", 93, 90, {{"too_short", 3}}});
  m.shards.push_back({"data/train-00000-of-00001.jsonl.zst", "train", 90, 1000, "ab"});
  const std::string card = dataset_card(m, CardInfo{"t", "other", "", "", ""});
  CHECK(
      card.find("### Deduplication\n\n- `exact_dedup`: 7 of 100 documents removed as duplicates (7.00%), 93 kept\n") !=
      std::string::npos);
  CHECK(card.find("`length`: ") == std::string::npos);
  CHECK(card.find("## Tokens") == std::string::npos);

  m.tokenizer = TokenizerInfo{"tokenizer.model", "bpe", 4096, 10, "9876543210fedcba00"};
  m.token_shards.push_back({"tokens/train-00000.bin", "train", 90, 12345, 25714, "ff"});
  const std::string with = update_card_tokens(card, m);
  CHECK(with.rfind(card, 0) == 0);  // the card is kept, the section appended
  CHECK(with.find("- **Tokens:** 12345 (12345 train, 0 validation)") != std::string::npos);
  CHECK(with.find("sentencepiece bpe with 4096 pieces") != std::string::npos);
  CHECK(with == dataset_card(m, CardInfo{"t", "other", "", "", ""}));  // same as a card made with tokens
  m.token_shards[0].tokens = 999;
  const std::string again = update_card_tokens(with, m);  // replaced, not appended twice
  CHECK(again.find("- **Tokens:** 999 ") != std::string::npos);
  CHECK(again.find("12345") == std::string::npos);
  m.tokenizer.reset();
  m.token_shards.clear();
  CHECK(update_card_tokens(again, m) == card);
}

TEST_CASE("inspect: summary, fields and samples of a dataset directory") {
  TempDir dir;
  make_dataset(dir.path());
  InspectOptions o;
  o.samples = 2;
  const InspectReport r = inspect(dir.path(), o);
  CHECK(r.kind == "dataset");
  CHECK(r.ok());
  REQUIRE(r.shards.size() == 4);
  CHECK(r.shards[0].complete);        // the first shard of each split is read ...
  CHECK_FALSE(r.shards[1].complete);  // ... the others are taken from the manifest
  CHECK(r.shards[1].records == 300);
  CHECK(r.records_read == 320);
  REQUIRE(r.fields.size() == 3);
  CHECK(r.fields[0].name == "text");
  CHECK(r.fields[0].type == "string");
  CHECK(r.fields[2].type == "number");
  CHECK(r.samples.size() == 4);
  CHECK(r.samples[0].second.rfind("Story 0:", 0) == 0);
  CHECK(r.to_text().find("data/train-00001-of-00003.jsonl.zst") != std::string::npos);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE_FALSE(p.parse(r.to_json()).get(e));
  CHECK(bool(e["ok"]));
  CHECK(uint64_t(e["manifest"]["counts"]["kept"]) == 677);

  // A single shard file is read whole.
  const InspectReport f = inspect(dir / "data/train-00001-of-00003.jsonl.zst", o);
  CHECK(f.kind == "shard");
  CHECK(f.shards.at(0).records == 300);
  CHECK(f.shards.at(0).complete);
  CHECK_THROWS_AS(inspect(dir / "nope", o), StorageError);
}

TEST_CASE("inspect --verify: any flipped byte, truncation or missing shard fails, naming the shard") {
  TempDir dir;
  const Manifest m = make_dataset(dir.path());
  InspectOptions o;
  o.verify = true;
  const InspectReport good = inspect(dir.path(), o);
  CHECK(good.ok());
  CHECK(good.to_text().find("verify: OK") != std::string::npos);
  for (const auto& s : m.shards) {
    CAPTURE(s.path);
    const fs::path p = dir / s.path;
    const std::string original = primer::testing::read_file(p);
    // Flipping a byte anywhere: the frame header, the middle, the checksum at the end.
    for (size_t at : {size_t(5), original.size() / 2, original.size() - 1}) {
      std::string bytes = original;
      bytes[at] ^= 0x20;
      primer::testing::write_file(p, bytes);
      const InspectReport r = inspect(dir.path(), o);
      CHECK_FALSE(r.ok());
      CHECK(mentions(r, s.path));
      CHECK(r.to_text().find("verify: FAILED") != std::string::npos);
    }
    for (size_t keep : {size_t(0), original.size() / 3, original.size() - 1}) {
      primer::testing::write_file(p, original.substr(0, keep));
      const InspectReport r = inspect(dir.path(), o);
      CHECK_FALSE(r.ok());
      CHECK(mentions(r, s.path));
    }
    fs::remove(p);
    const InspectReport missing = inspect(dir.path(), o);
    CHECK(mentions(missing, s.path));
    CHECK(inspect(dir.path(), InspectOptions{}).problems.size() == 1);  // missing is reported without --verify too
    primer::testing::write_file(p, original);
    CHECK(inspect(dir.path(), o).ok());
  }
  // A shard the manifest does not list would be loaded by the Hub's glob.
  fs::copy_file(dir / m.shards[0].path, dir / "data/train-00003-of-00003.jsonl.zst");
  const InspectReport extra = inspect(dir.path(), o);
  CHECK(mentions(extra, "data/train-00003-of-00003.jsonl.zst"));
}

TEST_CASE("inspect --verify checks token shards against the manifest") {
  TempDir dir;
  Manifest m = make_dataset(dir.path());
  fs::create_directories(dir / "tokens");
  TokenShardWriter w(dir / "tokens/train-00000.bin");
  w.append_document(std::vector<uint16_t>{1, 2, 3, 4});
  TokenShardInfo t = w.finish();
  t.path = "tokens/train-00000.bin";
  t.split = "train";
  m.token_shards.push_back(t);
  write_file_atomic(dir / "manifest.json", m.to_json());
  InspectOptions o;
  o.verify = true;
  const InspectReport good = inspect(dir.path(), o);
  CHECK(good.ok());
  REQUIRE(good.token_files.size() == 1);
  CHECK(good.token_files[0].tokens == 4);

  std::string bytes = primer::testing::read_file(dir / "tokens/train-00000.bin");
  bytes[bytes.size() - 2] ^= 1;  // a token id changes: only the sha256 can tell
  primer::testing::write_file(dir / "tokens/train-00000.bin", bytes);
  CHECK(mentions(inspect(dir.path(), o), "tokens/train-00000.bin"));
  primer::testing::write_file(dir / "tokens/train-00000.bin", bytes.substr(0, bytes.size() - 2));
  CHECK(mentions(inspect(dir.path(), o), "tokens/train-00000.bin"));
  fs::remove(dir / "tokens/train-00000.bin");
  CHECK(mentions(inspect(dir.path(), o), "tokens/train-00000.bin"));
}
