// The OpenAI Batch API round trip: export request files, answer them offline, import
// the results in any order, and get the same dataset as a live HTTP run.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <algorithm>
#include <random>

#include "base/json.h"
#include "base/rng.h"
#include "generators/openai_protocol.h"
#include "pipeline/batch.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/shard.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::FakeOpenAI;
using primer::testing::TempDir;

namespace {

std::string batch_config(const std::string& base_url, uint64_t count) {
  return "seed = 9\ncount = " + std::to_string(count) +
         "\n[teacher]\nkind = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \"" + base_url +
         "\"\nmax_tokens = 100\n[[filters]]\nkind = \"truncation\"\n[storage]\nshard_records = 50\nvalidation_fraction = 0.1\n";
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  storage::read_lines(p, [&](std::string_view l) { out.emplace_back(l); });
  return out;
}

std::map<std::string, std::string> data_files(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(out / "data")) files[e.path().filename()] = storage::read_file(e.path());
  return files;
}

}  // namespace

TEST_CASE("batch export: one request per prompt, custom_id = prompt id, split by lines and bytes") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", batch_config("http://127.0.0.1:9/v1", 250));
  const auto config = pipeline::load_config(dir / "run.toml");
  const auto r = pipeline::export_batch(config, dir / "batch", 100);
  CHECK(r.requests == 250);
  REQUIRE(r.files.size() == 3);
  CHECK(lines_of(r.files[0]).size() == 100);
  CHECK(lines_of(r.files[2]).size() == 50);
  simdjson::dom::parser parser;
  uint64_t index = 0;
  for (const auto& f : r.files)
    for (const auto& line : lines_of(f)) {
      simdjson::dom::element e;
      REQUIRE_FALSE(parser.parse(line).get(e));
      CHECK(std::string_view(e["custom_id"]) == base::hex64(base::prompt_id(9, index)));
      CHECK(std::string_view(e["method"]) == "POST");
      CHECK(std::string_view(e["url"]) == "/v1/chat/completions");
      CHECK(std::string_view(e["body"]["model"]) == "gpt-4o-mini");
      CHECK(int64_t(e["body"]["seed"]) == generators::request_seed(base::prompt_id(9, index)));
      ++index;
    }
  const auto small = pipeline::export_batch(config, dir / "small", 50000, 20000);  // ~20 KB files
  CHECK(small.files.size() > 3);
  for (const auto& f : small.files) CHECK(fs::file_size(f) <= 20000);

  primer::testing::write_file(dir / "builtin.toml", "count = 3\n");
  CHECK_THROWS_AS(pipeline::export_batch(pipeline::load_config(dir / "builtin.toml"), dir / "x"),
                  pipeline::ConfigError);
}

TEST_CASE("batch import: results in any order and files; errors counted; same dataset as a live run") {
  TempDir dir;
  FakeOpenAI server;
  primer::testing::write_file(dir / "run.toml", batch_config(server.base_url(), 300));
  const auto config = pipeline::load_config(dir / "run.toml");

  // The live run.
  pipeline::RunOptions live;
  live.out = dir / "live";
  live.progress = false;
  pipeline::run(config, live);

  // The same requests through the Batch API, answered like the server would.
  const auto exported = pipeline::export_batch(config, dir / "requests");
  std::vector<std::string> results;
  simdjson::dom::parser parser;
  for (const auto& f : exported.files)
    for (const auto& line : lines_of(f)) {
      simdjson::dom::element e;
      REQUIRE_FALSE(parser.parse(line).get(e));
      primer::testing::FakeCall call;
      call.seed = int64_t(e["body"]["seed"]);
      const std::string body = FakeOpenAI::default_reply(call).body;
      results.push_back("{\"id\":\"batch_req_1\",\"custom_id\":\"" + std::string(std::string_view(e["custom_id"])) +
                        "\",\"response\":{\"status_code\":200,\"request_id\":\"r\",\"body\":" + body +
                        "},\"error\":null}");
    }
  std::shuffle(results.begin(), results.end(), std::mt19937(7));
  std::string a, b;
  for (size_t i = 0; i < results.size(); ++i) (i % 2 ? a : b) += results[i] + "\n";
  primer::testing::write_file(dir / "results-a.jsonl", a);
  primer::testing::write_file(dir / "results-b.jsonl", b);
  const std::string binary = primer::testing::primer_binary();
  const auto imported = primer::testing::run_command(
      {binary, "batch", "import", (dir / "results-a.jsonl").string(), (dir / "results-b.jsonl").string(), "--config",
       (dir / "run.toml").string(), "--out", (dir / "imported").string(), "-q"});
  CHECK(imported.exit_code == 0);
  CHECK(imported.err.find("300 answered, 0 errors") != std::string::npos);
  CHECK(data_files(dir / "imported") == data_files(dir / "live"));
  const auto m = storage::Manifest::load(dir / "imported/manifest.json");
  const auto lm = storage::Manifest::load(dir / "live/manifest.json");
  CHECK(m.cost_usd == doctest::Approx(lm.cost_usd / 2));  // the Batch API's 50%

  // Errors, non-200 responses, malformed lines, other runs' ids and duplicates.
  std::string messy = results[0] + "\n" + results[0] + "\n" + "not json\n" +
                      "{\"custom_id\":\"ffffffffffffffff\",\"response\":{\"status_code\":200,\"body\":{}}}\n";
  const std::string id1 = std::string(results[1].substr(results[1].find("custom_id") + 12, 16));
  const std::string id2 = std::string(results[2].substr(results[2].find("custom_id") + 12, 16));
  messy += "{\"id\":\"x\",\"custom_id\":\"" + id1 +
           "\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"This request expired\"}}\n";
  messy += "{\"id\":\"y\",\"custom_id\":\"" + id2 +
           "\",\"response\":{\"status_code\":400,\"body\":{\"error\":{\"message\":\"bad prompt\"}}},\"error\":null}\n";
  for (size_t i = 3; i < results.size(); ++i) messy += results[i] + "\n";
  primer::testing::write_file(dir / "messy.jsonl", messy);
  const auto r = pipeline::read_batch_results(config, {dir / "messy.jsonl"});
  CHECK(r.ok == 298);
  CHECK(r.failed == 2);
  CHECK(r.malformed == 1);
  CHECK(r.unknown == 1);
  CHECK(r.duplicates == 1);
  REQUIRE(r.examples.size() == 2);
  CHECK(r.examples[0] == "This request expired");
  CHECK(r.examples[1] == "HTTP 400: bad prompt");
  pipeline::RunOptions o;
  o.out = dir / "messy";
  o.progress = false;
  o.batch_replies = &r.replies;
  const auto mm = pipeline::run(config, o).manifest;
  CHECK(mm.teacher_failures == 2);
  CHECK(mm.kept == 298);
}
