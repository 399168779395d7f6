#include <doctest/doctest.h>

#include <simdjson.h>

#include <fstream>

#include "base/json.h"
#include "storage/card.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/record.h"
#include "storage/sha256.h"
#include "storage/shard.h"
#include "tests/support/testing.h"

using namespace primer::storage;
namespace base = primer::base;
using primer::testing::TempDir;

namespace {
bool valid_json(const std::string& s) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  return !p.parse(s).get(e);
}
}  // namespace

TEST_CASE("JSON strings: escapes, UTF-8 kept, invalid bytes replaced and counted") {
  std::string out;
  CHECK(base::append_json_string(out, "a\"b\\c\nd\te\x01") == 0);
  CHECK(out == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  out.clear();
  CHECK(base::append_json_string(out, "caf\xC3\xA9 \xE2\x80\x9Chi\xE2\x80\x9D \xF0\x9F\x98\x80") == 0);
  CHECK(out == "\"caf\xC3\xA9 \xE2\x80\x9Chi\xE2\x80\x9D \xF0\x9F\x98\x80\"");
  // Lone continuation byte, truncated sequence, overlong encoding, surrogate.
  out.clear();
  CHECK(base::append_json_string(out,
                                 "a\x80"
                                 "b\xE2\x80"
                                 "c\xC0\xAF"
                                 "d\xED\xA0\x80") == 8);  // one U+FFFD per bad byte
  CHECK(valid_json(out));
  CHECK(out.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("JSON strings: every byte value is escaped the same at every place of a long string") {
  // Long plain runs are scanned 8 bytes at a time; a one-byte string takes the byte path.
  for (int b = 0; b < 256; ++b) {
    std::string alone;
    const size_t bad = base::append_json_string(alone, std::string(1, static_cast<char>(b)));
    const std::string inner = alone.substr(1, alone.size() - 2);
    for (size_t at = 0; at < 17; ++at) {
      const std::string text = std::string(at, 'a') + static_cast<char>(b) + std::string(23 - at, 'z');
      std::string out;
      CHECK(base::append_json_string(out, text) == bad);
      std::string want(1, '"');
      want.append(at, 'a').append(inner).append(23 - at, 'z').push_back('"');
      CHECK(out == want);
    }
  }
}

TEST_CASE("JSON strings: runs of every length before an escape, and hex ids") {
  // Plain runs are found 16 and 8 bytes at a time, then byte by byte: an escape at every
  // offset of a long string comes out in place.
  for (size_t at = 0; at < 70; ++at)
    for (const char special : {'"', '\\', '\n', '\x01', '\x7f', '\xC3'}) {
      std::string text(80, 'x');
      text[at] = special;
      std::string alone, out;
      base::append_json_string(alone, std::string(1, special));
      base::append_json_string(out, text);
      const std::string want = '"' + text.substr(0, at) + alone.substr(1, alone.size() - 2) + text.substr(at + 1) + '"';
      CHECK(out == want);
    }
  CHECK(base::hex64(0) == "0000000000000000");
  CHECK(base::hex64(0x0123456789abcdefULL) == "0123456789abcdef");
  CHECK(base::hex64(~0ULL) == "ffffffffffffffff");
}

TEST_CASE("JsonWriter produces valid nested JSON") {
  base::JsonWriter w;
  w.begin_object().field("a", 1).key("b").begin_array().value(true).value("x").value(2.5).end_array();
  w.key("c").begin_object().end_object().field("d", uint64_t(18446744073709551615ull)).end_object();
  CHECK(w.str() == "{\"a\":1,\"b\":[true,\"x\",2.5],\"c\":{},\"d\":18446744073709551615}");
  base::JsonWriter p(2);
  p.begin_object().field("a", 1).key("b").begin_array().value(1).end_array().end_object();
  CHECK(valid_json(p.str()));
  CHECK(p.str().find('\n') != std::string::npos);
}

TEST_CASE("atomic files: nothing under the final name until commit") {
  TempDir dir;
  const auto path = dir / "f.txt";
  {
    AtomicFile f(path);
    f.write("hello");
    CHECK_FALSE(std::filesystem::exists(path));
    // Destroyed without commit: the temporary is removed, the final name never appears.
  }
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(std::filesystem::is_empty(dir.path()));
  write_file_atomic(path, "one");
  write_file_atomic(path, "two");
  CHECK(read_file(path) == "two");
  CHECK_THROWS_AS(write_file_atomic(dir / "missing-dir/f.txt", "x"), StorageError);
  CHECK_THROWS_WITH(read_file(dir / "nope"), doctest::Contains("nope"));
}

TEST_CASE("sha256 matches known vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TempDir dir;
  write_file_atomic(dir / "abc", "abc");
  CHECK(sha256_file(dir / "abc") == sha256_hex("abc"));
}

TEST_CASE("shards round-trip; sha256 and size describe the file; corruption is detected") {
  TempDir dir;
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i)
    lines.push_back("{\"text\":\"line " + std::to_string(i) + std::string(i % 300, 'x') + "\"}");
  ShardWriter w(dir / "s.jsonl.zst", 3);
  for (const auto& l : lines) w.append(l);
  const ShardInfo info = w.finish();
  CHECK(info.path == "s.jsonl.zst");
  CHECK(info.records == lines.size());
  CHECK(info.bytes == std::filesystem::file_size(dir / "s.jsonl.zst"));
  CHECK(info.sha256 == sha256_file(dir / "s.jsonl.zst"));
  std::vector<std::string> back;
  read_lines(dir / "s.jsonl.zst", [&](std::string_view l) { back.emplace_back(l); });
  CHECK(back == lines);

  // Same input, same bytes.
  ShardWriter w2(dir / "t.jsonl.zst", 3);
  for (const auto& l : lines) w2.append(l);
  CHECK(w2.finish().sha256 == info.sha256);

  // Truncated copy: reading fails with the file name.
  std::string bytes = read_file(dir / "s.jsonl.zst");
  write_file_atomic(dir / "cut.jsonl.zst", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH_AS(read_lines(dir / "cut.jsonl.zst", [](std::string_view) {}), doctest::Contains("cut.jsonl.zst"),
                       StorageError);
  // A flipped byte: zstd's frame checksum catches it.
  bytes[bytes.size() / 2] ^= 0x55;
  write_file_atomic(dir / "flip.jsonl.zst", bytes);
  CHECK_THROWS_AS(read_lines(dir / "flip.jsonl.zst", [](std::string_view) {}), StorageError);
  // Plain .jsonl files read too, last line without '\n' included.
  write_file_atomic(dir / "p.jsonl", "a\nb\nc");
  back.clear();
  read_lines(dir / "p.jsonl", [&](std::string_view l) { back.emplace_back(l); });
  CHECK(back == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("records: text first, metadata after, always valid JSON") {
  primer::base::Doc d;
  d.prompt.id = 0xABCDEF0123456789ull;
  d.prompt.index = 7;
  d.prompt.kind = "tinystories";
  d.prompt.verb_word = "run";
  d.prompt.noun_word = "dog";
  d.prompt.adjective_word = "big";
  d.prompt.features.add(primer::base::Feature::kDialogue);
  d.prompt.features.add(primer::base::Feature::kPlotTwist);
  d.prompt.text = "Write a story.";
  d.teacher = "builtin";
  d.reply.text = "\"Hi,\" said Tom.\nBad byte: \xFF";
  std::string line;
  CHECK(append_record_json(line, d) == 1);
  CHECK(line.rfind("{\"text\":", 0) == 0);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE_FALSE(p.parse(line).get(e));
  CHECK(std::string_view(e["id"]) == "abcdef0123456789");
  CHECK(uint64_t(e["index"]) == 7);
  CHECK(std::string_view(e["words"].at(1)) == "dog");
  CHECK(std::string_view(e["features"].at(1)) == "plot_twist");
  CHECK(std::string_view(e["finish_reason"]) == "stop");
}

TEST_CASE("manifest round trip and dataset card") {
  Manifest m;
  m.primer_version = "0.1.0";
  m.config_hash = "abc";
  m.config_json = "{\"seed\":1}";
  m.kind = "tinystories";
  m.teacher = "builtin";
  m.prompts = 100;
  m.replies = 100;
  m.kept = 90;
  m.filters.push_back({"vocab", 100, 90, {{"oov_rate", 6}, {"missing_words", 4}}});
  m.shards.push_back({"data/train-00000-of-00001.jsonl.zst", "train", 88, 1234, "ff"});
  m.shards.push_back({"data/validation-00000-of-00001.jsonl.zst", "validation", 2, 99, "ee"});
  const std::string json = m.to_json();
  CHECK(valid_json(json));
  const Manifest back = Manifest::parse(json, "m.json");
  CHECK(back.to_json() == json);
  CHECK(back.split_records("train") == 88);
  CHECK(back.filters[0].dropped_total() == 10);
  CHECK_THROWS_WITH_AS(Manifest::parse("{\"schema\":1", "m.json"), doctest::Contains("m.json: not valid JSON"),
                       StorageError);
  CHECK_THROWS_WITH_AS(Manifest::parse("{\"schema\":99}", "m.json"), doctest::Contains("schema 99"), StorageError);
  CHECK_THROWS_AS(Manifest::parse("{\"schema\":1}", "m.json"), StorageError);
  // A shard path out of the dataset's directory (a merge or a resume would read or move
  // that file) is refused.
  for (const char* outside : {"/etc/passwd", "../other/data/train.jsonl.zst", "data/../../x", ".."}) {
    Manifest bad = m;
    bad.shards[0].path = outside;
    CHECK_THROWS_WITH_AS(Manifest::parse(bad.to_json(), "m.json"), doctest::Contains("is not a relative path inside"),
                         StorageError);
  }

  CardInfo info;
  info.title = "Stories";
  info.license = "cdla-sharing-1.0";
  const std::string card = dataset_card(m, info);
  CHECK(card.rfind("---\nlicense: cdla-sharing-1.0\n", 0) == 0);
  CHECK(card.find("  - split: train\n    path: data/train-*.jsonl.zst\n") != std::string::npos);
  CHECK(card.find("  - split: validation\n    path: data/validation-*.jsonl.zst\n") != std::string::npos);
  CHECK(card.find("size_categories:\n- n<1K\n") != std::string::npos);
  CHECK(card.find("| vocab | 100 | 90 | 10 (10.00%) | oov_rate 6, missing_words 4 |") != std::string::npos);
}

TEST_CASE("is_inner_path: relative paths inside a directory only") {
  for (const char* inside : {"data/train-00000-of-00001.jsonl.zst", "tokenizer.model", "a/./b", "..a/b..", "a/...b"})
    CHECK(is_inner_path(inside));
  for (const char* outside : {"", "/abs", "..", "../x", "a/../b", "a/.."}) CHECK_FALSE(is_inner_path(outside));
  CHECK_FALSE(is_inner_path(std::string_view("a\0b", 3)));
}
