// `primer filter`: a config's chain over existing JSON Lines, kept and rejected shards,
// manifest, scrubbed text, the decontamination report.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/testing.h"

using namespace primer::testing;

TEST_CASE("primer filter: runs the chain over JSONL, writes kept and rejected shards and a manifest") {
  TempDir dir;
  const std::string story = "Lily and Tom went to the park to play with a big red ball on a sunny day.";
  write_file(
      dir / "in.jsonl",
      "{\"text\":\"" + story + "\",\"id\":\"00000000000000aa\",\"index\":3,\"source\":\"x\"}\n" + "{\"text\":\"" +
          story + "\"}\n" +                                                     // exact duplicate
          "{\"text\":\"As an AI language model, I cannot write that.\"}\n" +    // refusal
          "not json\n" +                                                        // malformed
          "{\"text\":\"Mail tom@example.com and play.\",\"source\":\"y\"}\n" +  // scrubbed, kept
          "{\"text\":\"The quick brown fox jumps over the lazy dog while the farmer watches from the barn.\"}\n");
  write_file(dir / "eval.txt", "the quick brown fox jumps over the lazy dog while the farmer watches from the barn\n");
  write_file(dir / "f.toml",
             "[[filters]]\nkind = \"regex\"\n[[filters]]\nkind = \"exact_dedup\"\n"
             "[[filters]]\nkind = \"decontaminate\"\neval_sets = [\"eval.txt\"]\n[storage]\nshard_records = 2\n");
  const auto r = run_command({primer_binary(), "filter", (dir / "in.jsonl").string(), "--config",
                              (dir / "f.toml").string(), "--out", (dir / "out").string(), "--rejected"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("1 malformed line") != std::string::npos);
  const auto kept = run_command({"/bin/bash", "-c", "zstdcat " + (dir / "out/data").string() + "/train-*.jsonl.zst"});
  CHECK(kept.out == "{\"text\":\"" + story + "\",\"id\":\"00000000000000aa\",\"index\":3,\"source\":\"x\"}\n" +
                        "{\"text\":\"Mail <EMAIL> and play.\",\"source\":\"y\"}\n");
  CHECK(std::filesystem::exists(dir / "out/data/train-00000-of-00001.jsonl.zst"));
  const auto rejected = run_command({"/bin/bash", "-c", "zstdcat " + (dir / "out/rejected").string() + "/*.jsonl.zst"});
  CHECK(rejected.out.find("\"rejected_by\":\"exact_dedup\",\"reject_reason\":\"duplicate\"") != std::string::npos);
  CHECK(rejected.out.find("\"rejected_by\":\"regex\",\"reject_reason\":\"refusal\"") != std::string::npos);
  CHECK(rejected.out.find("\"rejected_by\":\"decontaminate\",\"reject_reason\":\"contaminated\"") != std::string::npos);
  const std::string manifest = read_file(dir / "out/manifest.json");
  CHECK(manifest.find("\"contaminated\"") != std::string::npos);
  const std::string report = read_file(dir / "out/decontamination.json");
  CHECK(report.find("\"index\": 4") != std::string::npos);  // the fifth record (malformed lines do not count)
  // A finished --out is refused (exit 1, as run and train say it); a missing input is a
  // usage error (exit 2).
  CHECK(run_command({primer_binary(), "filter", (dir / "in.jsonl").string(), "--config", (dir / "f.toml").string(),
                     "--out", (dir / "out").string()})
            .exit_code == 1);
  CHECK(run_command({primer_binary(), "filter", (dir / "nope.jsonl").string(), "--config", (dir / "f.toml").string(),
                     "--out", (dir / "out2").string()})
            .exit_code == 2);
}

TEST_CASE("primer filter: a record's other members reach the filters (the answer filter on math records)") {
  TempDir dir;
  write_file(dir / "in.jsonl",
             "{\"text\":\"Tom has 3 bags of 6 apples. How many apples?\",\"expression\":\"3 * 6\",\"answer\":18}\n"
             "{\"text\":\"Ann has 4 and gets 5. How many?\",\"expression\":\"4 + 5\",\"answer\":\"10 pens\"}\n"
             "{\"text\":\"A story with no answer.\"}\n");
  write_file(dir / "f.toml", "[[filters]]\nkind = \"answer\"\n");
  const auto r = run_command({primer_binary(), "filter", (dir / "in.jsonl").string(), "--config",
                              (dir / "f.toml").string(), "--out", (dir / "out").string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto kept = run_command({"/bin/bash", "-c", "zstdcat " + (dir / "out/data").string() + "/train-*.jsonl.zst"});
  CHECK(kept.out ==
        "{\"text\":\"Tom has 3 bags of 6 apples. How many apples?\",\"expression\":\"3 * 6\",\"answer\":18}\n");
  const std::string manifest = read_file(dir / "out/manifest.json");
  CHECK(manifest.find("\"mismatch\": 1") != std::string::npos);
  CHECK(manifest.find("\"missing_field\": 1") != std::string::npos);
}

namespace {

// The manifest's row for `name` as {seen, kept, dropped per reason}.
struct Row {
  uint64_t seen = 0, kept = 0;
  std::map<std::string, uint64_t> dropped;
};
Row manifest_row(const std::filesystem::path& manifest, const std::string& name) {
  simdjson::dom::parser p;
  simdjson::dom::element m;
  const std::string json = read_file(manifest);
  REQUIRE(!p.parse(json).get(m));
  Row row;
  for (auto f : m["filters"].get_array()) {
    if (std::string_view(f["name"].get_string().value()) != name) continue;
    row.seen = f["seen"].get_uint64().value();
    row.kept = f["kept"].get_uint64().value();
    for (auto [reason, n] : f["dropped"].get_object()) row.dropped[std::string(reason)] = n.get_uint64().value();
  }
  return row;
}

CommandResult filter(const std::vector<std::string>& files, const std::filesystem::path& config,
                     const std::filesystem::path& out) {
  std::vector<std::string> args{primer_binary(), "filter"};
  args.insert(args.end(), files.begin(), files.end());
  for (const std::string& a : std::vector<std::string>{"--config", config.string(), "--out", out.string()})
    args.push_back(a);
  return run_command(args);
}

}  // namespace

TEST_CASE("primer filter: BOM, CRLF, blank lines, zstd by its bytes, malformed lines counted per reason") {
  TempDir dir;
  write_file(dir / "f.toml", "filters = []\n");  // valid TOML for "no filters"
  write_file(dir / "windows.jsonl",
             "\xEF\xBB\xBF{\"text\":\"first\"}\r\n"
             "\r\n"
             "{\"text\":\"second\",\"n\":2}\r\n"
             "   \n"
             "not json\r\n"
             "[1,2]\r\n"
             "{\"x\":1}\r\n"
             "{\"text\":3}\r\n"
             "{\"text\":\"third\"}\r\n");
  write_file(dir / "plain.txt", "{\"text\":\"zipped one\"}\n{\"text\":\"zipped two\"}\n");
  REQUIRE(run_command({"/bin/bash", "-c",
                       "zstd -q -c " + (dir / "plain.txt").string() + " > " + (dir / "zipped.jsonl").string()})
              .exit_code == 0);
  const auto r =
      filter({(dir / "windows.jsonl").string(), (dir / "zipped.jsonl").string()}, dir / "f.toml", dir / "out");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto kept = run_command({"/bin/bash", "-c", "zstdcat " + (dir / "out/data").string() + "/train-*.jsonl.zst"});
  CHECK(kept.out ==
        "{\"text\":\"first\"}\n{\"text\":\"second\",\"n\":2}\n{\"text\":\"third\"}\n"
        "{\"text\":\"zipped one\"}\n{\"text\":\"zipped two\"}\n");
  const Row input = manifest_row(dir / "out/manifest.json", "input");
  CHECK(input.seen == 9);  // 5 records + 4 malformed; the 2 blank lines are neither
  CHECK(input.kept == 5);
  CHECK(input.dropped == std::map<std::string, uint64_t>{{"invalid_json", 1}, {"not_object", 1}, {"no_text", 2}});
  CHECK(r.err.find("4 malformed lines") != std::string::npos);
  CHECK(r.err.find("by reason: invalid_json 1, no_text 2, not_object 1") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "out/.primer-filter-unfinished"));
}

TEST_CASE("primer filter: a file with no valid line is an error, and nothing is left behind") {
  TempDir dir;
  write_file(dir / "f.toml", "[[filters]]\nkind = \"exact_dedup\"\n");
  write_file(dir / "good.jsonl", "{\"text\":\"fine\"}\n");
  write_file(dir / "bad.jsonl", "<html>\n<body>502 Bad Gateway</body>\n</html>\n");
  const auto r = filter({(dir / "good.jsonl").string(), (dir / "bad.jsonl").string()}, dir / "f.toml", dir / "out");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.jsonl: no line is a JSON object with a string \"text\"") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // the per-file note and the error line
  CHECK(!std::filesystem::exists(dir / "out"));              // created by the command, removed with what was in it
  // a gzip file says what it is instead of being read as garbage
  REQUIRE(
      run_command({"/bin/bash", "-c", "gzip -c " + (dir / "good.jsonl").string() + " > " + (dir / "g.jsonl").string()})
          .exit_code == 0);
  const auto g = filter({(dir / "g.jsonl").string()}, dir / "f.toml", dir / "out");
  CHECK(g.exit_code == 1);
  CHECK(g.err.find("compressed with gzip") != std::string::npos);
}

TEST_CASE("primer filter: a failed or killed run does not block the rerun") {
  TempDir dir;
  write_file(dir / "f.toml", "[[filters]]\nkind = \"exact_dedup\"\n[storage]\nshard_records = 1\n");
  std::string lines;
  for (int i = 0; i < 50; ++i) lines += "{\"text\":\"story number " + std::to_string(i) + "\"}\n";
  write_file(dir / "all.txt", lines);
  // a truncated zstd input: the records before the damage are filtered, then the read fails
  REQUIRE(
      run_command({"/bin/bash", "-c",
                   "zstd -q -c " + (dir / "all.txt").string() + " | head -c 60 > " + (dir / "cut.jsonl.zst").string()})
          .exit_code == 0);
  std::filesystem::create_directories(dir / "out");  // an empty directory given by the user stays
  auto r = filter({(dir / "cut.jsonl.zst").string()}, dir / "f.toml", dir / "out");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("removed the partial output") != std::string::npos);
  CHECK(std::filesystem::exists(dir / "out"));
  CHECK(std::filesystem::is_empty(dir / "out"));

  // killed before it could clean up: the marker without manifest.json lets the rerun start over
  write_file(dir / "whole.jsonl", lines);
  std::filesystem::create_directories(dir / "out/data");
  write_file(dir / "out/.primer-filter-unfinished", "");
  write_file(dir / "out/data/part-00000.jsonl.zst", "half a shard");
  r = filter({(dir / "whole.jsonl").string()}, dir / "f.toml", dir / "out");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("starting over") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "out/data/part-00000.jsonl.zst"));
  CHECK(manifest_row(dir / "out/manifest.json", "exact_dedup").kept == 50);
  const auto kept = run_command({"/bin/bash", "-c", "zstdcat " + (dir / "out/data").string() + "/train-*.jsonl.zst"});
  CHECK(kept.out == lines);
  // finished: a rerun into it is refused, and so is a directory that is not ours (exit 1,
  // as `run` and `train` refuse a directory of other files)
  CHECK(filter({(dir / "whole.jsonl").string()}, dir / "f.toml", dir / "out").exit_code == 1);
  std::filesystem::create_directories(dir / "other");
  write_file(dir / "other/notes.txt", "mine");
  CHECK(filter({(dir / "whole.jsonl").string()}, dir / "f.toml", dir / "other").exit_code == 1);
  CHECK(read_file(dir / "other/notes.txt") == "mine");
}
