// What the command line says when something is off: one line that says what is allowed,
// the README's exit codes (0 ok, 1 failure while running, 2 bad command line or input,
// 130 interrupted) for the same case in every command, and the file behind each message.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "storage/files.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::run_primer;
using primer::testing::TempDir;

namespace {

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("numeric options say what is allowed, without 309-digit bounds") {
  const auto threads = run_primer({"run", "x.toml", "--threads", "-1"});
  CHECK(threads.exit_code == 2);
  CHECK(threads.err.find("--threads: must be 0 or more, not -1") != std::string::npos);
  CHECK(threads.err.find("; see 'primer run --help'") != std::string::npos);  // the command's own help
  CHECK(threads.err.size() < 120);
  CHECK(lines(threads.err) == 1);
  const auto tokens = run_primer({"sample", ".", "--prompt", "a", "--max-tokens", "0"});
  CHECK(tokens.exit_code == 2);
  CHECK(tokens.err.find("--max-tokens: must be 1 or more, not 0") != std::string::npos);
  CHECK(tokens.err.find("not in range") == std::string::npos);  // CLI11's "Value 0 not in range 0 to ..."
  const auto port = run_primer({"serve", ".", "--port", "70000"});
  CHECK(port.exit_code == 2);
  CHECK(port.err.find("--port: must be between 0 and 65535, not 70000") != std::string::npos);
  const auto word = run_primer({"tokenizer", "encode", "--data", ".", "--threads", "many"});
  CHECK(word.exit_code == 2);
  CHECK(word.err.find("'many' is not a number") != std::string::npos);
  const auto nan = run_primer({"report", ".", "--scan", "nan"});
  CHECK(nan.exit_code == 2);
  CHECK(nan.err.find("must be a number, not nan") != std::string::npos);
}

TEST_CASE("an unknown command is named, with the commands there are") {
  const auto top = run_primer({"frobnicate"});
  CHECK(top.exit_code == 2);
  CHECK(top.err.find("primer: error: unknown command 'frobnicate'; the commands are: run, ") == 0);
  CHECK(top.err.find("inspect") != std::string::npos);
  CHECK(top.err.find("A subcommand is required") == std::string::npos);
  CHECK(lines(top.err) == 1);
  const auto nested = run_primer({"vocab", "frob", "x"});
  CHECK(nested.exit_code == 2);
  CHECK(nested.err.find("unknown command 'frob' for 'primer vocab'; the commands are: stats, ") != std::string::npos);
  const auto bare = run_primer({});
  CHECK(bare.exit_code == 2);
  CHECK(bare.err.find("'primer' needs a command: run, ") != std::string::npos);
  const auto group = run_primer({"tokenizer"});
  CHECK(group.exit_code == 2);
  CHECK(group.err.find("'primer tokenizer' needs a command: train, encode") != std::string::npos);
  CHECK(run_primer({"vocab", "--help"}).exit_code == 0);
  CHECK(run_primer({"--version"}).exit_code == 0);
}

TEST_CASE("inspect on bytes it does not know says so and lists what it reads") {
  TempDir dir;
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (auto& b : bytes) b = static_cast<char>(rng());
  for (const char* name : {"random.bin", "random", "random.dat"}) {
    CAPTURE(name);
    primer::testing::write_file(dir / name, bytes);
    const auto r = run_primer({"inspect", (dir / name).string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "primer: error: " + (dir / name).string() +
                       " is not a file primer recognises; inspect reads a dataset directory, a .jsonl or .jsonl.zst "
                       "shard, a token shard (.bin with magic 20240520) or tokens/ directory, a checkpoint or "
                       "training directory, a .gguf model, or a llama2.c .bin model\n");
  }
  fs::create_directories(dir / "ckpt");
  primer::testing::write_file(dir / "ckpt/model.bin", bytes);
  const auto weights = run_primer({"inspect", (dir / "ckpt/model.bin").string()});
  CHECK(weights.exit_code == 2);
  CHECK(weights.err.find("is one file of a checkpoint; inspect the checkpoint: primer inspect " + (dir / "ckpt").string()) !=
        std::string::npos);
}

TEST_CASE("an output directory holding other files: exit 1 from run and filter alike") {
  TempDir dir;
  fs::create_directories(dir / "mine");
  primer::testing::write_file(dir / "mine/notes.txt", "mine\n");
  primer::testing::write_file(dir / "run.toml", "count = 5\n");
  primer::testing::write_file(dir / "in.jsonl", "{\"text\": \"A story.\"}\n");
  const auto run = run_primer({"run", (dir / "run.toml").string(), "--out", (dir / "mine").string()});
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("is not empty and holds no primer run") != std::string::npos);
  const auto filter = run_primer({"filter", (dir / "in.jsonl").string(), "--config", (dir / "run.toml").string(),
                                  "--out", (dir / "mine").string()});
  CHECK(filter.exit_code == 1);
  CHECK(filter.err.find("is not empty and holds no primer filter output") != std::string::npos);
  CHECK(storage::read_file(dir / "mine/notes.txt") == "mine\n");
}

TEST_CASE("a path on the command line that does not exist: exit 2 in every command") {
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", "count = 5\n");
  const std::string gone = (dir / "gone").string(), config = (dir / "run.toml").string();
  const std::vector<std::vector<std::string>> commands = {
      {"sample", gone, "--prompt", "a"},
      {"export", gone, "--format", "gguf", "--out", (dir / "m.gguf").string()},
      {"serve", gone},
      {"eval", gone, "--config", config},
      {"train", config, "--out", (dir / "t").string(), "--init", gone},
      {"merge", gone},
      {"inspect", gone},
      {"report", gone},
      {"run", gone, "--out", (dir / "o").string()},
      {"filter", gone, "--config", config, "--out", (dir / "f").string()},
      {"tokenizer", "encode", "--data", gone},
      {"vocab", "stats", gone},
  };
  for (const auto& args : commands) {
    CAPTURE(args[0]);
    const auto r = run_primer(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("primer: error: ") == 0);
    CHECK(r.err.find(gone) != std::string::npos);
    CHECK(lines(r.err) == 1);
  }
}
