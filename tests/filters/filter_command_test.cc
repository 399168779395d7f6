// `primer filter`: a config's chain over existing JSON Lines, kept and rejected shards,
// manifest, scrubbed text, the decontamination report.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/testing.h"

using namespace primer::testing;

TEST_CASE("primer filter: runs the chain over JSONL, writes kept and rejected shards and a manifest") {
  TempDir dir;
  const std::string story = "Lily and Tom went to the park to play with a big red ball on a sunny day.";
  write_file(dir / "in.jsonl",
             "{\"text\":\"" + story + "\",\"id\":\"00000000000000aa\",\"index\":3,\"source\":\"x\"}\n" +
                 "{\"text\":\"" + story + "\"}\n" +                                          // exact duplicate
                 "{\"text\":\"As an AI language model, I cannot write that.\"}\n" +          // refusal
                 "not json\n" +                                                              // malformed
                 "{\"text\":\"Mail tom@example.com and play.\",\"source\":\"y\"}\n" +        // scrubbed, kept
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
  // A non-empty --out is refused; a missing input is a usage error.
  CHECK(run_command({primer_binary(), "filter", (dir / "in.jsonl").string(), "--config", (dir / "f.toml").string(),
                     "--out", (dir / "out").string()})
            .exit_code == 2);
  CHECK(run_command({primer_binary(), "filter", (dir / "nope.jsonl").string(), "--config", (dir / "f.toml").string(),
                     "--out", (dir / "out2").string()})
            .exit_code == 2);
}
