// What the command line says when something is off: one line that says what is allowed,
// the README's exit codes (0 ok, 1 failure while running, 2 bad command line or input,
// 130 interrupted) for the same case in every command, and the file behind each message.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "pipeline/config.h"
#include "pipeline/run.h"
#include "prompts/sampler.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::run_primer;
using primer::testing::TempDir;

namespace {

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// `primer ARGS` run with `cwd` as the working directory.
primer::testing::CommandResult run_primer_in(const fs::path& cwd, const std::string& args) {
  return primer::testing::run_command(
      {"/bin/sh", "-c", "cd '" + cwd.string() + "' && exec '" + primer::testing::primer_binary() + "' " + args});
}

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
    CHECK(r.err ==
          "primer: error: " + (dir / name).string() +
              " is not a file primer recognises; inspect reads a dataset directory, a .jsonl or .jsonl.zst "
              "shard, a token shard (.bin with magic 20240520) or tokens/ directory, a checkpoint or "
              "training directory, a transformers export directory, a .gguf model, or a llama2.c .bin model\n");
  }
  fs::create_directories(dir / "ckpt");
  primer::testing::write_file(dir / "ckpt/model.bin", bytes);
  const auto weights = run_primer({"inspect", (dir / "ckpt/model.bin").string()});
  CHECK(weights.exit_code == 2);
  CHECK(weights.err.find("is one file of a checkpoint; inspect the checkpoint: primer inspect " +
                         (dir / "ckpt").string()) != std::string::npos);
}

TEST_CASE("an empty vocabulary list is named") {
  TempDir dir;
  primer::testing::write_file(dir / "empty.txt", "# nothing yet\n");
  primer::testing::write_file(dir / "run.toml",
                              "count = 5\n[vocab]\nlist = \"" + (dir / "empty.txt").string() + "\"\n");
  const auto r = run_primer({"run", (dir / "run.toml").string(), "--out", (dir / "out").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "primer: error: " + (dir / "empty.txt").string() +
                     ": the vocabulary list has no words (one 'lemma pos [key=value ...]' a line)\n");
  CHECK_THROWS_WITH_AS(vocab::Vocabulary::parse("\n\n", "list.txt"),
                       doctest::Contains("list.txt: the vocabulary list has no words"), vocab::VocabError);
}

TEST_CASE("--estimate measures a sample of a huge run instead of every prompt") {
  TempDir dir;
  primer::testing::write_file(dir / "huge.toml", "count = 9223372036854775807\n");
  const auto r = run_primer({"run", (dir / "huge.toml").string(), "--estimate"});  // rendered 2^63 prompts before
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("requests           9223372036854775807\n") == 0);
  CHECK(r.out.find("measured on 10000 prompts spread over the run") != std::string::npos);

  // Up to the sample size every prompt is measured; beyond, the sample is within 2% of all.
  primer::testing::write_file(dir / "small.toml", "count = 30000\n");
  const auto config = pipeline::load_config(dir / "small.toml");
  const auto vocab = vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
  const auto sampler = pipeline::make_sampler(config, vocab);
  double chars = 0;
  for (uint64_t i = 0; i < config.count; ++i) chars += double(sampler->sample(config.seed, i).text.size());
  const auto e = pipeline::estimate(config);
  CHECK(e.sampled == pipeline::kEstimateSample);
  CHECK(e.prompt_tokens == doctest::Approx(chars / 4).epsilon(0.02));
  primer::testing::write_file(dir / "exact.toml", "count = 500\n");
  CHECK(pipeline::estimate(pipeline::load_config(dir / "exact.toml")).sampled == 500);
}

TEST_CASE("relative paths: a working-directory copy that shadows the config's file is named; out is cwd-relative") {
  TempDir dir;
  fs::create_directories(dir / "conf");
  fs::create_directories(dir / "work");
  const std::string tmpl = storage::read_file(primer::testing::source_path("prompts/tinystories.txt"));
  primer::testing::write_file(dir / "conf/story.txt", tmpl);
  primer::testing::write_file(dir / "work/story.txt", tmpl + "Use short sentences.\n");
  primer::testing::write_file(dir / "conf/run.toml",
                              "count = 20\nout = \"made/here\"\n[prompts]\ntemplate = \"story.txt\"\n"
                              "[storage]\nshard_records = 100\n[report]\nenabled = false\n");
  const auto r = run_primer_in(dir / "work", "run ../conf/run.toml --quiet");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("primer: note: prompts.template: loaded story.txt from the working directory (" +
                   (dir / "work").string() + "), not the different ../conf/story.txt next to the config\n") !=
        std::string::npos);
  CHECK(lines(r.err) == 1);  // once, however often the path is resolved
  // `out` in the config is relative to the working directory, like --out.
  CHECK(fs::exists(dir / "work/made/here/manifest.json"));
  CHECK_FALSE(fs::exists(dir / "conf/made"));
  // The same file in both places is no news.
  primer::testing::write_file(dir / "work/story.txt", tmpl);
  const auto same = run_primer_in(dir / "work", "run ../conf/run.toml --quiet --out other");
  CHECK(same.exit_code == 0);
  CHECK(same.err.empty());
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
