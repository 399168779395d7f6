// `primer filter` as a pipeline (issue 24): reading, parsing, filtering and compressing
// overlap on several threads, and none of that shows in the output. With zstd_level and
// zstd_workers fixed, the bytes are those primer wrote before the pipeline existed
// (golden sha256 below, from the serial version), whatever --threads and whatever the
// input's compression; zstd_workers = 1 and 4 give one file; an unset zstd_workers is
// chosen and recorded in the manifest.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "base/json.h"
#include "storage/sha256.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer::testing;

namespace {

// ~7 MB of records: several 2 MB pipeline blocks and several shards; every 7th record
// a near-duplicate of an earlier one (minhash drops it), every 11th too short (length
// drops it), a few without metadata, one malformed and one blank line.
std::string corpus() {
  static const char* kWords[] = {"the",  "cat",    "sat",  "on",   "a",      "mat",   "and",    "dog",
                                 "ran",  "to",     "park", "with", "big",    "red",   "ball",   "sun",
                                 "was",  "warm",   "Lily", "Tom",  "happy",  "tree",  "bird",   "sang",
                                 "song", "friend", "play", "jump", "little", "house", "garden", "flower"};
  std::string out;
  auto story = [&](uint64_t seed, int words) {
    std::string t;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int w = 0; w < words; ++w) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      t += (w ? " " : "");
      t += kWords[x % 32];
      if (x % 17 == 0) t += ".";
    }
    return t;
  };
  for (uint64_t i = 0; i < 14000; ++i) {
    std::string text = i % 11 == 5 ? story(i, 20) : story(i % 7 == 3 ? i - 3 : i, 60 + int(i % 140));
    if (i % 7 == 3) text += " the end";
    std::string line = "{\"text\":";
    primer::base::append_json_string(line, text);
    if (i % 13 != 0) line += ",\"id\":\"" + primer::base::hex64(i * 7919) + "\",\"index\":" + std::to_string(i);
    line += ",\"source\":\"synthetic\"}\n";
    out += line;
    if (i == 5000) out += "{not json\n\n";
  }
  return out;
}

std::string sha_of(const fs::path& p) { return primer::storage::sha256_hex(read_file(p)); }

// The output files of a filter run but manifest.json (it holds times), by path relative
// to `out`, with their sha256.
std::vector<std::pair<std::string, std::string>> outputs(const fs::path& out) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file() || e.path().filename() == "manifest.json") continue;
    files.emplace_back(fs::relative(e.path(), out).string(), sha_of(e.path()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

CommandResult filter(const std::vector<std::string>& extra) {
  std::vector<std::string> args{primer_binary(), "filter", "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_command(args);
}

}  // namespace

TEST_CASE("primer filter: the same bytes whatever --threads, the input's compression and the zstd worker count") {
  TempDir dir;
  write_file(dir / "in.jsonl", corpus());
  REQUIRE(run_command({"/bin/bash", "-c",
                       "zstd -q -3 '" + (dir / "in.jsonl").string() + "' -o '" + (dir / "in.jsonl.zst").string() + "'"})
              .exit_code == 0);
  const std::string chain =
      "[[filters]]\nkind = \"length\"\nmin_words = 40\n"
      "[[filters]]\nkind = \"minhash\"\nngram = 5\nbands = 14\nrows = 8\n";
  write_file(dir / "st.toml", chain + "[storage]\nshard_mb = 3\nzstd_level = 3\nzstd_workers = 0\n");
  write_file(dir / "mt1.toml", chain + "[storage]\nshard_mb = 3\nzstd_level = 3\nzstd_workers = 1\n");
  write_file(dir / "mt4.toml", chain + "[storage]\nshard_mb = 3\nzstd_level = 3\nzstd_workers = 4\n");
  write_file(dir / "auto.toml", chain + "[storage]\nshard_mb = 3\n");

  auto run = [&](const std::string& config, const std::string& input, int threads, const std::string& out) {
    const auto r = filter({(dir / input).string(), "--config", (dir / config).string(), "--out", (dir / out).string(),
                           "--rejected", "--threads", std::to_string(threads)});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return outputs(dir / out);
  };
  const auto st1 = run("st.toml", "in.jsonl", 1, "st1");
  REQUIRE(st1.size() == 4);  // 3 kept shards, 1 rejected
  CHECK(run("st.toml", "in.jsonl", 2, "st2") == st1);
  CHECK(run("st.toml", "in.jsonl.zst", 2, "st2z") == st1);
  CHECK(run("st.toml", "in.jsonl.zst", 4, "st4z") == st1);
  // The bytes of the serial filter command (before issue 24), zstd 1.5 at level 3.
  CHECK(st1[0].first == "data/train-00000-of-00003.jsonl.zst");
  CHECK(st1[0].second == "6e11ac9519c77dc64505b7a60deb81eb5b23d40c5f0b45704a9196c3dd7cd300");
  CHECK(st1[1].second == "0793d88f34e34625aa2905cc61a13962c974e78ad3465d6ced359d8c0c6a5e0e");
  CHECK(st1[2].second == "ada7ab2f8414566ed05503b1e1564ad4f8d910357e2de191dfd4e656980f8aa0");
  CHECK(st1[3].first == "rejected/rejected-00000.jsonl.zst");
  CHECK(st1[3].second == "1fd38e2f7a0020b232e59cb4dbebd929a47d61665195144e95f6aeeaaefb388d");
  const std::string manifest = read_file(dir / "st2/manifest.json");
  CHECK(manifest.find("\"near_duplicate\": 1636") != std::string::npos);
  CHECK(manifest.find("\"invalid_json\": 1") != std::string::npos);
  CHECK(manifest.find("\"zstd_workers_from\": \"config\"") != std::string::npos);

  // zstd's multi-threaded format: one file for any worker count, any --threads.
  const auto mt1 = run("mt1.toml", "in.jsonl", 1, "mt1");
  CHECK(mt1 != st1);
  CHECK(run("mt4.toml", "in.jsonl.zst", 2, "mt4") == mt1);
  CHECK(run("auto.toml", "in.jsonl", 2, "auto") == mt1);  // unset: a count > 0, whatever the machine
  CHECK(read_file(dir / "auto/manifest.json").find("\"zstd_workers_from\": \"auto\"") != std::string::npos);
}
