// End-to-end runs of the pipeline on the built-in teacher: the dataset directory is
// complete and self-consistent, deterministic, and survives SIGKILL at any moment.
#include <doctest/doctest.h>

#include <simdjson.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "pipeline/config.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/sha256.h"
#include "storage/shard.h"
#include "storage/tokens.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

std::string config_text(uint64_t count, int64_t shard_records, double noise = 0.2) {
  return "seed = 11\ncount = " + std::to_string(count) + "\n[teacher]\nnoise = " + std::to_string(noise) +
         "\n[[filters]]\nkind = \"truncation\"\n"
         "[[filters]]\nkind = \"length\"\nmin_words = 20\n"
         "[[filters]]\nkind = \"exact_dedup\"\n"
         "[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.0\n"
         "[storage]\nshard_records = " +
         std::to_string(shard_records) + "\nvalidation_fraction = 0.05\n";
}

pipeline::Config write_config(const TempDir& dir, const std::string& text) {
  primer::testing::write_file(dir / "run.toml", text);
  return pipeline::load_config(dir / "run.toml");
}

pipeline::RunReport run_in_process(const pipeline::Config& c, const fs::path& out, int threads = 0) {
  pipeline::RunOptions o;
  o.out = out;
  o.threads = threads;
  o.progress = false;
  return pipeline::run(c, o);
}

// Every file under data/ with its bytes, for comparing two runs.
std::map<std::string, std::string> data_files(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(out / "data")) files[e.path().filename()] = storage::read_file(e.path());
  return files;
}

// Checks the acceptance invariants of a finished dataset directory; returns the ids.
std::vector<std::string> check_dataset(const fs::path& out) {
  REQUIRE(fs::exists(out / "manifest.json"));
  REQUIRE(fs::exists(out / "README.md"));
  CHECK_FALSE(fs::exists(out / "journal"));
  const storage::Manifest m = storage::Manifest::load(out / "manifest.json");
  std::vector<std::string> ids;
  uint64_t total = 0;
  std::set<std::string> listed;
  simdjson::dom::parser parser;
  for (const auto& s : m.shards) {
    listed.insert(s.path);
    const fs::path p = out / s.path;
    REQUIRE(fs::exists(p));
    CHECK(fs::file_size(p) == s.bytes);
    CHECK(storage::sha256_file(p) == s.sha256);
    uint64_t lines = 0;
    storage::read_lines(p, [&](std::string_view line) {
      ++lines;
      simdjson::dom::element e;
      REQUIRE_FALSE(parser.parse(line.data(), line.size()).get(e));
      std::string_view text;
      REQUIRE_FALSE(e["text"].get(text));
      CHECK(!text.empty());
      ids.emplace_back(std::string_view(e["id"]));
    });
    CHECK(lines == s.records);
    total += lines;
  }
  // Every shard file is listed, and nothing else is in data/.
  for (const auto& e : fs::directory_iterator(out / "data"))
    CHECK(listed.count("data/" + e.path().filename().string()));
  CHECK(total == m.kept);
  // Counts flow: each filter sees what the previous kept; the last keeps what was written.
  REQUIRE(!m.filters.empty());
  CHECK(m.filters.front().seen == m.replies);
  for (size_t i = 1; i < m.filters.size(); ++i) CHECK(m.filters[i].seen == m.filters[i - 1].kept);
  for (const auto& f : m.filters) CHECK(f.seen == f.kept + f.dropped_total());
  CHECK(m.filters.back().kept == m.kept);
  return ids;
}

}  // namespace

TEST_CASE("a run writes a complete, self-consistent dataset") {
  TempDir dir;
  const auto config = write_config(dir, config_text(3000, 400));
  const auto report = run_in_process(config, dir / "out");
  CHECK_FALSE(report.already_complete);
  const auto ids = check_dataset(dir / "out");
  const std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());
  const auto& m = report.manifest;
  CHECK(m.prompts == 3000);
  CHECK(m.kept > 1500);  // noise 0.2 and a strict vocabulary filter still keep most
  CHECK(m.kept < 3000);
  // Shard names follow the Hugging Face pattern {split}-{i:05d}-of-{n:05d}.jsonl.zst.
  for (std::string split : {"train", "validation"}) {
    std::vector<std::string> names;
    for (const auto& s : m.shards) {
      CHECK(s.records <= 400);
      if (s.split == split) names.push_back(s.path);
    }
    REQUIRE(!names.empty());
    for (size_t i = 0; i < names.size(); ++i) {
      char expected[96];
      std::snprintf(expected, sizeof expected, "data/%s-%05zu-of-%05zu.jsonl.zst", split.c_str(), i, names.size());
      CHECK(names[i] == expected);
    }
  }
  const double val_share = double(m.split_records("validation")) / double(m.kept);
  CHECK(val_share > 0.03);
  CHECK(val_share < 0.07);
  // The card names the splits for the Hub.
  const std::string card = storage::read_file(dir / "out/README.md");
  CHECK(card.find("path: data/train-*.jsonl.zst") != std::string::npos);
}

TEST_CASE("output is identical whatever the thread count; a finished run is not redone") {
  TempDir dir;
  const auto config = write_config(dir, config_text(2000, 300));
  run_in_process(config, dir / "one", 1);
  run_in_process(config, dir / "two", 2);
  const auto a = data_files(dir / "one");
  CHECK(a == data_files(dir / "two"));
  CHECK(a.size() >= 6);

  const auto mtime = fs::last_write_time(dir / "one/manifest.json");
  const auto again = run_in_process(config, dir / "one");
  CHECK(again.already_complete);
  CHECK(again.manifest.kept == storage::Manifest::load(dir / "one/manifest.json").kept);
  CHECK(fs::last_write_time(dir / "one/manifest.json") == mtime);
  CHECK(data_files(dir / "one") == a);
}

TEST_CASE("a directory of another run or of other files is refused") {
  TempDir dir;
  const auto config = write_config(dir, config_text(200, 100));
  run_in_process(config, dir / "out");
  primer::testing::write_file(dir / "other.toml", config_text(201, 100));
  const auto other = pipeline::load_config(dir / "other.toml");
  CHECK_THROWS_WITH_AS(run_in_process(other, dir / "out"), doctest::Contains("finished run of a different config"),
                       pipeline::RunError);
  fs::create_directories(dir / "foreign");
  primer::testing::write_file(dir / "foreign/notes.txt", "mine");
  CHECK_THROWS_WITH_AS(run_in_process(config, dir / "foreign"), doctest::Contains("holds no primer run"),
                       pipeline::RunError);
  CHECK(primer::testing::read_file(dir / "foreign/notes.txt") == "mine");
}

TEST_CASE("SIGKILL at any moment, then rerun: the same dataset as an uninterrupted run") {
  TempDir dir;
  // Small shards make checkpoints frequent, so kills land between and inside them.
  const std::string text = config_text(40000, 100);
  const auto config = write_config(dir, text);
  run_in_process(config, dir / "reference");
  const auto reference = data_files(dir / "reference");
  const auto reference_ids = check_dataset(dir / "reference");

  const fs::path out = dir / "killed";
  const std::vector<std::string> argv = {
      primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", out.string(), "--quiet"};
  auto checkpoints = [&]() -> int64_t {
    try {
      const std::string s = storage::read_file(out / "journal/state.json");
      const auto pos = s.find("\"checkpoints\": ");
      return pos == std::string::npos ? -1 : std::stoll(s.substr(pos + 15));
    } catch (const storage::StorageError&) {
      return -1;
    }
  };
  int kills = 0;
  // Kill three times, each after a few more checkpoints than before (and once right at
  // the start of a session), then let it finish.
  for (int64_t target : {int64_t(3), int64_t(-2), int64_t(40)}) {
    const int pid = primer::testing::spawn(argv);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    const int64_t start = checkpoints();
    int code = -1;
    bool ended = false;
    while (std::chrono::steady_clock::now() < deadline && !(ended = primer::testing::has_exited(pid, code))) {
      if (target < 0 || checkpoints() >= start + target) break;
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    if (!ended && target < 0) std::this_thread::sleep_for(std::chrono::milliseconds(-target));
    if (!ended) {
      ::kill(pid, SIGKILL);
      code = primer::testing::wait_for(pid);
    }
    if (code == 128 + SIGKILL) ++kills;
    INFO("kill at +" << target << " checkpoints, exit " << code);
    CHECK_FALSE(fs::exists(out / "manifest.json"));
  }
  CHECK(kills == 3);
  const auto done = primer::testing::run_command(argv);
  CHECK(done.exit_code == 0);
  CHECK(done.err.empty());
  CHECK(data_files(out) == reference);
  CHECK(check_dataset(out) == reference_ids);
  const auto m = storage::Manifest::load(out / "manifest.json");
  const auto r = storage::Manifest::load(dir / "reference/manifest.json");
  CHECK(m.prompts == r.prompts);
  CHECK(m.kept == r.kept);
  for (size_t i = 0; i < m.filters.size(); ++i) {
    CHECK(m.filters[i].seen == r.filters[i].seen);
    CHECK(m.filters[i].dropped_total() == r.filters[i].dropped_total());
  }
}

TEST_CASE("SIGINT stops cleanly with exit 130; the rerun finishes the same dataset") {
  TempDir dir;
  const auto config = write_config(dir, config_text(30000, 100));
  run_in_process(config, dir / "reference");
  const fs::path out = dir / "interrupted";
  const std::vector<std::string> argv = {
      primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", out.string(), "--quiet"};
  const int pid = primer::testing::spawn(argv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "journal/shards/train-00002.jsonl.zst") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  ::kill(pid, SIGINT);
  CHECK(primer::testing::wait_for(pid) == 130);
  CHECK_FALSE(fs::exists(out / "manifest.json"));
  CHECK(fs::exists(out / "journal/state.json"));
  CHECK(primer::testing::run_command(argv).exit_code == 0);
  CHECK(data_files(out) == data_files(dir / "reference"));
}

TEST_CASE("the command line: one clear line and exit 2 for bad input, --help everywhere") {
  using primer::testing::run_command;
  const std::string primer = primer::testing::primer_binary();
  auto missing = run_command({primer, "run", "/nonexistent/run.toml", "--out", "/tmp/x"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "primer: error: cannot read config file /nonexistent/run.toml: no such file\n");

  TempDir dir;
  primer::testing::write_file(dir / "bad.toml", "count = 3\n[teacher]\nnosie = 0.1\n");
  auto bad = run_command({primer, "run", (dir / "bad.toml").string(), "--out", (dir / "o").string()});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "primer: error: " + (dir / "bad.toml").string() + ":3: unknown key 'teacher.nosie' (did you mean 'noise'?)\n");
  CHECK_FALSE(fs::exists(dir / "o"));

  auto help = run_command({primer, "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("run") != std::string::npos);
  auto run_help = run_command({primer, "run", "--help"});
  CHECK(run_help.exit_code == 0);
  CHECK(run_help.out.find("--out") != std::string::npos);
  CHECK(run_help.out.find("resumes") != std::string::npos);
  auto unknown = run_command({primer, "frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("primer: error:") == 0);
  auto no_out = run_command({primer, "run", (dir / "bad.toml").string()});
  CHECK(no_out.exit_code == 2);

  primer::testing::write_file(dir / "ok.toml", config_text(50, 100));
  auto ok = run_command({primer, "run", (dir / "ok.toml").string(), "--out", (dir / "ok").string()});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("kept") != std::string::npos);
  auto again = run_command({primer, "run", (dir / "ok.toml").string(), "--out", (dir / "ok").string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already complete") != std::string::npos);
}

TEST_CASE("[tokenizer] trains the tokenizer and writes token shards as the last stages; shard_mb bounds shards") {
  TempDir dir;
  std::string text = config_text(1500, 0);
  text.replace(text.find("shard_records = 0"), 17, "shard_records = 0\nshard_mb = 0.2");
  text += "[tokenizer]\nvocab_size = 512\n";
  const auto config = write_config(dir, text);
  const auto r = run_in_process(config, dir / "out");
  check_dataset(dir / "out");
  const auto m = storage::Manifest::load(dir / "out/manifest.json");
  REQUIRE(m.tokenizer);
  CHECK(m.tokenizer->vocab_size == 512);
  CHECK(fs::exists(dir / "out/tokenizer.model"));
  REQUIRE(!m.token_shards.empty());
  uint64_t tokens = 0;
  for (const auto& t : m.token_shards) {
    const auto ids = storage::read_token_shard(dir / "out" / t.path);
    CHECK(ids.size() == t.tokens);
    for (uint16_t id : ids) CHECK(id < 512);
    tokens += ids.size();
  }
  CHECK(tokens > m.kept * 50);  // every story is dozens of tokens
  // 0.2 MB shards: the ~1.3 MB of kept JSON Lines make several train shards, none over the limit by more than a record.
  int train = 0;
  for (const auto& s : m.shards)
    if (s.split == "train") ++train;
  CHECK(train >= 4);
  CHECK(storage::read_file(dir / "out/README.md").find("okens") != std::string::npos);
  CHECK(pipeline::summary_table(r.manifest).find("tokens") != std::string::npos);
}

TEST_CASE("[tokenizer]: a tokenizer with fewer pieces than vocab_size asks is a warning on stderr") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml",
                              "count = 200\n[storage]\nshard_records = 1000\n[report]\nenabled = false\n"
                              "[tokenizer]\nvocab_size = 8000\n");
  const auto r =
      primer::testing::run_primer({"run", (dir / "run.toml").string(), "--out", (dir / "out").string(), "--quiet"});
  CHECK(r.exit_code == 0);
  const auto m = storage::Manifest::load(dir / "out/manifest.json");
  REQUIRE(m.tokenizer);
  REQUIRE(m.tokenizer->vocab_size < 8000);
  CHECK(r.err == "primer run: warning: the tokenizer has " + std::to_string(m.tokenizer->vocab_size) +
                     " pieces, fewer than [tokenizer] vocab_size = 8000 (the train split has no more to merge); give "
                     "the model vocab_size = " +
                     std::to_string(m.tokenizer->vocab_size) + "\n");
}
