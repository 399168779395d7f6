// The files a run reads besides its config (vocabulary list, prompt template, regex
// rules, evaluation sets) are part of what it was made from: a resume or a merge with
// other bytes in any of them is refused, naming the file.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "pipeline/config.h"
#include "pipeline/merge.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/sha256.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

// A run whose every input file lives in `dir`, so that the test can change them.
std::string config_with_own_files(const TempDir& dir, uint64_t count) {
  fs::copy_file(primer::testing::source_path("vocab/default.txt"), dir / "words.txt");
  fs::copy_file(primer::testing::source_path("prompts/tinystories.txt"), dir / "story.txt");
  fs::copy_file(primer::testing::source_path("filters/regex_rules.txt"), dir / "rules.txt");
  return "seed = 5\ncount = " + std::to_string(count) + "\n[prompts]\ntemplate = \"" + (dir / "story.txt").string() +
         "\"\n[vocab]\nlist = \"" + (dir / "words.txt").string() +
         "\"\n[teacher]\nnoise = 0.2\n"
         "[[filters]]\nkind = \"regex\"\nrules = \"" +
         (dir / "rules.txt").string() +
         "\"\n[[filters]]\nkind = \"length\"\nmin_words = 20\n"
         "[[filters]]\nkind = \"exact_dedup\"\n"
         "[storage]\nshard_records = 100\nvalidation_fraction = 0.05\n";
}

void append(const fs::path& file, const std::string& text) {
  primer::testing::write_file(file, storage::read_file(file) + text);
}

}  // namespace

TEST_CASE("the config lists every file the run reads; hash_inputs hashes their bytes") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", config_with_own_files(dir, 10));
  const auto config = pipeline::load_config(dir / "run.toml");
  const auto inputs = pipeline::hash_inputs(config);
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].key == "vocab.list");
  CHECK(inputs[0].path == (dir / "words.txt").string());
  CHECK(inputs[0].sha256 == storage::sha256_file(dir / "words.txt"));
  CHECK(inputs[1].key == "prompts.template");
  CHECK(inputs[2].key == "filters.rules");
  CHECK(inputs[2].path == (dir / "rules.txt").string());
  CHECK(pipeline::changed_input(inputs, inputs).empty());
  CHECK(pipeline::changed_input({}, inputs).empty());  // recorded by an older primer: nothing to compare
  append(dir / "rules.txt", "drop extra \\bzzyzx\\b\n");
  const std::string changed = pipeline::changed_input(inputs, pipeline::hash_inputs(config));
  CHECK(changed.find("the regex rules " + (dir / "rules.txt").string() + " (filters.rules) changed") == 0);
}

TEST_CASE("a killed run does not resume after its vocabulary list, template or rules changed") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", config_with_own_files(dir, 30000));
  const fs::path out = dir / "out";
  const std::vector<std::string> argv = {
      primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", out.string(), "--quiet"};
  const int pid = primer::testing::spawn(argv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "journal/shards/train-00001.jsonl.zst") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  ::kill(pid, SIGKILL);
  primer::testing::wait_for(pid);
  REQUIRE(fs::exists(out / "journal/state.json"));
  REQUIRE_FALSE(fs::exists(out / "manifest.json"));

  for (const auto& [file, addition, what] :
       {std::tuple<std::string, std::string, std::string>{"words.txt", "blorpish adj\n", "the vocabulary list"},
        {"story.txt", "Use short sentences.\n", "the prompt template"},
        {"rules.txt", "drop extra \\bzzyzx\\b\n", "the regex rules"}}) {
    CAPTURE(file);
    const std::string original = storage::read_file(dir / file);
    append(dir / file, addition);
    const auto r = primer::testing::run_command(argv);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("made from other inputs: " + what + " " + (dir / file).string()) != std::string::npos);
    CHECK(r.err.find("changed") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    CHECK_FALSE(fs::exists(out / "manifest.json"));
    primer::testing::write_file(dir / file, original);
  }
  // Restored, the run resumes and finishes; the manifest records what it read.
  CHECK(primer::testing::run_command(argv).exit_code == 0);
  const auto m = storage::Manifest::load(out / "manifest.json");
  REQUIRE(m.inputs.size() == 3);
  CHECK(m.inputs[0].sha256 == storage::sha256_file(dir / "words.txt"));
  // A finished dataset is not called complete for other inputs either.
  append(dir / "words.txt", "blorpish adj\n");
  const auto again = primer::testing::run_command(argv);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("finished run made from other inputs: the vocabulary list") != std::string::npos);
}

TEST_CASE("merge refuses tasks made from another vocabulary list") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", config_with_own_files(dir, 300));
  const auto config = pipeline::load_config(dir / "run.toml");
  for (uint32_t k = 0; k < 2; ++k) {
    pipeline::RunOptions o;
    o.out = dir / "split";
    o.progress = false;
    o.task = pipeline::TaskSlice{k, 2};
    pipeline::run(config, o);
  }
  append(dir / "words.txt", "blorpish adj\n");
  pipeline::MergeOptions m;
  m.out = dir / "split";
  m.progress = false;
  CHECK_THROWS_WITH_AS(
      pipeline::merge(m),
      doctest::Contains(
          ("task 0 was made from other inputs: the vocabulary list " + (dir / "words.txt").string()).c_str()),
      pipeline::RunError);
}
