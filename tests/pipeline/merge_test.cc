// Split runs: `primer run --task K/N` + `primer merge` write exactly the dataset of a
// single-machine run; missing, incomplete, foreign or corrupt tasks are named.
#include <doctest/doctest.h>

#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "pipeline/config.h"
#include "pipeline/merge.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/shard.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

// Noise 0.3 gives exact and near duplicates across the whole prompt range; the regex
// filter rewrites texts (scrubbing) before the dedup keys are taken. (No vocab filter:
// the teacher's exact duplicates would fail it, and they are to reach the dedup.)
std::string split_config(uint64_t count, int64_t shard_records) {
  return "seed = 21\ncount = " + std::to_string(count) +
         "\n[teacher]\nnoise = 0.3\n"
         "[[filters]]\nkind = \"truncation\"\n"
         "[[filters]]\nkind = \"length\"\nmin_words = 20\n"
         "[[filters]]\nkind = \"regex\"\n"
         "[[filters]]\nkind = \"exact_dedup\"\n"
         "[[filters]]\nkind = \"minhash\"\n"
         "[storage]\nshard_records = " +
         std::to_string(shard_records) + "\nvalidation_fraction = 0.05\n";
}

pipeline::Config write_config(const TempDir& dir, const std::string& text, const std::string& name = "run.toml") {
  primer::testing::write_file(dir / name, text);
  return pipeline::load_config(dir / name);
}

pipeline::RunReport run_task(const pipeline::Config& c, const fs::path& out, uint32_t k, uint32_t n, int threads = 0) {
  pipeline::RunOptions o;
  o.out = out;
  o.threads = threads;
  o.progress = false;
  o.task = pipeline::TaskSlice{k, n};
  return pipeline::run(c, o);
}

// The reference: the same config on one machine.
void run_single(const pipeline::Config& c, const fs::path& out) {
  pipeline::RunOptions o;
  o.out = out;
  o.progress = false;
  pipeline::run(c, o);
}

pipeline::RunReport merge(const fs::path& out, const fs::path& config = {}) {
  pipeline::MergeOptions o;
  o.out = out;
  o.config = config;
  o.progress = false;
  return pipeline::merge(o);
}

std::map<std::string, std::string> data_files(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(out / "data")) files[e.path().filename()] = storage::read_file(e.path());
  return files;
}

// manifest.json without its timings: everything that must match a single-machine run.
std::string manifest_without_timings(const fs::path& out) {
  storage::Manifest m = storage::Manifest::load(out / "manifest.json");
  m.started_at = m.finished_at = "";
  m.seconds = 0;
  return m.to_json();
}

std::vector<std::string> texts_of(const fs::path& shard) {
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  storage::read_lines(shard, [&](std::string_view line) {
    simdjson::dom::element e;
    REQUIRE_FALSE(parser.parse(line.data(), line.size()).get(e));
    texts.emplace_back(std::string_view(e["text"]));
  });
  return texts;
}

}  // namespace

TEST_CASE("a split run merges into exactly the dataset of a single-machine run") {
  TempDir dir;
  const auto config = write_config(dir, split_config(3000, 250));
  run_single(config, dir / "single");
  const auto reference = data_files(dir / "single");
  const std::string reference_manifest = manifest_without_timings(dir / "single");
  const storage::Manifest r = storage::Manifest::load(dir / "single/manifest.json");
  REQUIRE(r.filters.size() == 5);
  CHECK(r.filters[3].dropped_total() > 20);  // exact duplicates
  CHECK(r.filters[4].dropped_total() > 0);   // near duplicates

  for (uint32_t n : {1u, 3u, 4u}) {
    CAPTURE(n);
    const fs::path out = dir / ("split-" + std::to_string(n));
    // Tasks in any order, with any thread count.
    for (uint32_t k = n; k-- > 0;) {
      const auto t = run_task(config, out, k, n, 1 + int(k % 2));
      CHECK(t.manifest.prompts == pipeline::TaskSlice{k, n}.end(3000) - pipeline::TaskSlice{k, n}.begin(3000));
      CHECK(fs::exists(out / "tasks" / std::to_string(k) / "manifest.json"));
      CHECK_FALSE(fs::exists(out / "tasks" / std::to_string(k) / "journal"));
    }
    const auto m = merge(out);
    CHECK_FALSE(m.already_complete);
    CHECK(data_files(out) == reference);
    CHECK(manifest_without_timings(out) == reference_manifest);
    CHECK(storage::read_file(out / "README.md") == storage::read_file(dir / "single/README.md"));
    CHECK_FALSE(fs::exists(out / "journal"));
    CHECK(merge(out).already_complete);
  }

  // The global dedup was needed: the tasks' candidates share texts across tasks, the
  // merged dataset holds each text once.
  std::map<std::string, std::set<int>> tasks_of;
  for (int k = 0; k < 4; ++k)
    for (const auto& e : fs::directory_iterator(dir / "split-4/tasks" / std::to_string(k)))
      if (e.path().filename().string().starts_with("candidates-"))
        for (auto& t : texts_of(e.path())) tasks_of[t].insert(k);
  size_t across = 0;
  for (const auto& [text, tasks] : tasks_of) across += tasks.size() > 1;
  CHECK(across > 5);
  std::set<std::string> merged;
  size_t records = 0;
  for (const auto& [name, bytes] : reference)
    for (auto& t : texts_of(dir / "split-4/data" / name)) {
      merged.insert(t);
      ++records;
    }
  CHECK(merged.size() == records);
}

TEST_CASE("an HTTP teacher split into tasks: failures, usage and cost merge to the single-machine figures") {
  using primer::testing::FakeCall;
  using primer::testing::FakeOpenAI;
  using primer::testing::FakeReply;
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    if (c.seed % 7 == 0) {
      FakeReply r;
      r.status = 400;
      r.body = R"({"error":{"message":"prompt rejected"}})";
      return r;
    }
    return FakeOpenAI::default_reply(c);
  };
  TempDir dir;
  const auto config =
      write_config(dir, "seed = 3\ncount = 400\n[teacher]\nkind = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \"" +
                            server.base_url() +
                            "\"\nmax_tokens = 100\nmax_attempts = 1\n"
                            "[[filters]]\nkind = \"truncation\"\n[[filters]]\nkind = \"exact_dedup\"\n"
                            "[storage]\nshard_records = 100\nvalidation_fraction = 0.05\n");
  run_single(config, dir / "single");
  for (uint32_t k = 0; k < 3; ++k) run_task(config, dir / "split", k, 3);
  merge(dir / "split");
  CHECK(server.requests() == 2 * 400);  // each task asked its own prompts once
  CHECK(data_files(dir / "split") == data_files(dir / "single"));
  CHECK(manifest_without_timings(dir / "split") == manifest_without_timings(dir / "single"));
  const auto m = storage::Manifest::load(dir / "split/manifest.json");
  CHECK(m.teacher_failures > 30);
  CHECK(m.cost_usd > 0);
  CHECK(m.teacher == "gpt-4o-mini");
}

TEST_CASE("merge names missing and incomplete tasks; a killed task resumes and the merge then succeeds") {
  TempDir dir;
  const auto config = write_config(dir, split_config(12000, 800));
  run_single(config, dir / "single");

  const fs::path out = dir / "split";
  run_task(config, out, 0, 4);
  run_task(config, out, 3, 4);
  // Task 1 is killed after its first checkpoint; task 2 never starts.
  const std::vector<std::string> argv = {primer::testing::primer_binary(),
                                         "run",
                                         (dir / "run.toml").string(),
                                         "--out",
                                         out.string(),
                                         "--task",
                                         "1/4",
                                         "--threads",
                                         "1",
                                         "--quiet"};
  const int pid = primer::testing::spawn(argv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int code = -1;
  auto checkpointed = [&] {  // state.json (the commit point) records a checkpoint
    try {
      return storage::read_file(out / "tasks/1/journal/state.json").find("\"checkpoints\": 0,") == std::string::npos;
    } catch (const storage::StorageError&) {
      return false;
    }
  };
  while (!checkpointed() && !primer::testing::has_exited(pid, code) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  ::kill(pid, SIGKILL);
  CHECK(primer::testing::wait_for(pid) == 128 + SIGKILL);
  REQUIRE_FALSE(fs::exists(out / "tasks/1/manifest.json"));

  auto first = primer::testing::run_command({primer::testing::primer_binary(), "merge", out.string()});
  CHECK(first.exit_code == 1);
  INFO(first.err);
  CHECK(first.err.starts_with("primer: error: cannot merge " + out.string() + " (4 tasks): task 2 is missing"));
  CHECK(first.err.find("task 1 is incomplete") != std::string::npos);
  CHECK(first.err.find("task 1 resumes at prompt ") != std::string::npos);
  CHECK(std::count(first.err.begin(), first.err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(out / "manifest.json"));
  CHECK_FALSE(fs::exists(out / "data"));

  auto resumed = primer::testing::run_command(argv);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("resumed at prompt ") != std::string::npos);
  CHECK_THROWS_WITH_AS(merge(out), doctest::Contains("task 2 is missing"), pipeline::RunError);
  run_task(config, out, 2, 4);
  merge(out);
  CHECK(data_files(out) == data_files(dir / "single"));
  CHECK(manifest_without_timings(out) == manifest_without_timings(dir / "single"));
}

TEST_CASE("a task of another split or config, and a corrupt task, are refused by name") {
  TempDir dir;
  const auto config = write_config(dir, split_config(400, 100));
  const fs::path out = dir / "split";
  run_task(config, out, 0, 2);
  // The same directory, another split: the task's slice would differ.
  CHECK_THROWS_WITH_AS(run_task(config, out, 0, 3), doctest::Contains("holds task 0 of 2 tasks"), pipeline::RunError);
  run_task(config, out, 1, 3);  // a task of another split next to it
  CHECK_THROWS_WITH_AS(merge(out), doctest::Contains("mixes splits"), pipeline::RunError);
  fs::remove_all(out / "tasks/1");
  run_task(config, out, 1, 2);

  // A config that differs in an output-changing key is not the tasks' config.
  primer::testing::write_file(dir / "other.toml", split_config(400, 100) + "zstd_level = 5\n");
  CHECK_THROWS_WITH_AS(merge(out, dir / "other.toml"), doctest::Contains("task 0 ran another config"),
                       pipeline::RunError);

  // A truncated signature file.
  const fs::path sig = out / "tasks/1/signatures-00000.bin";
  std::string bytes = storage::read_file(sig);
  fs::resize_file(sig, bytes.size() - 7);
  CHECK_THROWS_WITH_AS(merge(out), doctest::Contains((sig.string() + " is corrupt").c_str()), pipeline::RunError);
  storage::write_file_atomic(sig, bytes);
  // A task.json whose signature file is named out of the task's directory.
  const fs::path task_json = out / "tasks/1/task.json";
  const std::string task = storage::read_file(task_json);
  const size_t at = task.find("signatures-00000.bin");
  REQUIRE(at != std::string::npos);
  storage::write_file_atomic(task_json, std::string(task).replace(at, 20, ".."));
  CHECK_THROWS_WITH_AS(merge(out), doctest::Contains((task_json.string() + " is corrupt").c_str()), pipeline::RunError);
  storage::write_file_atomic(task_json, task);
  // A candidate shard that lost records.
  const fs::path cand = out / "tasks/0/candidates-00000-of-00002.jsonl.zst";
  REQUIRE(fs::exists(cand));
  fs::remove(cand);
  CHECK_THROWS_WITH_AS(merge(out), doctest::Contains(("cannot read " + cand.string()).c_str()), std::exception);
  run_task(config, dir / "fresh", 0, 2);
  fs::copy_file(dir / "fresh/tasks/0" / cand.filename(), cand);
  // The failed merges committed checkpoints before they met the damage: this one resumes
  // from them, and the result is still the single-machine dataset.
  CHECK(fs::exists(out / "journal/state.json"));
  CHECK(merge(out).resumed_from > 0);
  run_single(config, dir / "single");
  CHECK(data_files(out) == data_files(dir / "single"));
  CHECK(manifest_without_timings(out) == manifest_without_timings(dir / "single"));
  // `tasks` is not part of the hash: a config that names its split merges the same.
  CHECK(write_config(dir, "tasks = 2\n" + split_config(400, 100), "named.toml").hash == config.hash);
  CHECK_THROWS_WITH_AS(write_config(dir, "tasks = 0\n" + split_config(400, 100), "zero.toml"),
                       doctest::Contains("tasks"), pipeline::ConfigError);
}

TEST_CASE("--task K/N and the scheduler's environment name the task") {
  using pipeline::parse_task;
  CHECK(parse_task("0/1").count == 1);
  CHECK(parse_task("3/8").index == 3);
  for (const char* bad : {"", "3", "8/8", "a/2", "1/0", "-1/2", "1/2/3", "1/ 2"})
    CHECK_THROWS_AS(parse_task(bad), std::invalid_argument);
  CHECK_THROWS_WITH(parse_task("8/8"), doctest::Contains("K must be below N"));

  // Slices cover the prompts once, in order, and differ in size by at most one.
  for (uint64_t count : {1ull, 7ull, 1000ull, 1ull << 40})
    for (uint32_t n : {1u, 3u, 8u}) {
      uint64_t next = 0;
      for (uint32_t k = 0; k < n; ++k) {
        const pipeline::TaskSlice t{k, n};
        CHECK(t.begin(count) == next);
        CHECK(t.end(count) - t.begin(count) <= count / n + 1);
        next = t.end(count);
      }
      CHECK(next == count);
    }

  auto env = [](std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  using pipeline::task_from_environment;
  CHECK_FALSE(task_from_environment(env({}), 4).has_value());
  auto t = task_from_environment(env({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}), 0);
  REQUIRE(t);
  CHECK((t->index == 2 && t->count == 4));
  // --array=1-7:2 → ids 1, 3, 5, 7 are tasks 0..3.
  t = task_from_environment(env({{"SLURM_ARRAY_TASK_ID", "5"},
                                 {"SLURM_ARRAY_TASK_COUNT", "4"},
                                 {"SLURM_ARRAY_TASK_MIN", "1"},
                                 {"SLURM_ARRAY_TASK_STEP", "2"}}),
                            4);
  REQUIRE(t);
  CHECK((t->index == 2 && t->count == 4));
  CHECK_THROWS_WITH(task_from_environment(env({{"SLURM_ARRAY_TASK_ID", "4"},
                                               {"SLURM_ARRAY_TASK_COUNT", "4"},
                                               {"SLURM_ARRAY_TASK_MIN", "1"},
                                               {"SLURM_ARRAY_TASK_STEP", "2"}}),
                                          0),
                    doctest::Contains("is not one of 4 tasks"));
  CHECK_THROWS_WITH(task_from_environment(env({{"SLURM_ARRAY_TASK_ID", "1"}}), 0),
                    doctest::Contains("SLURM_ARRAY_TASK_COUNT is not"));
  CHECK_THROWS_WITH(task_from_environment(env({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}), 8),
                    doctest::Contains("the config's tasks = 8"));
  // Kubernetes Indexed Jobs give the index only; the config gives the count.
  t = task_from_environment(env({{"JOB_COMPLETION_INDEX", "3"}}), 5);
  REQUIRE(t);
  CHECK((t->index == 3 && t->count == 5));
  CHECK_THROWS_WITH(task_from_environment(env({{"JOB_COMPLETION_INDEX", "3"}}), 0), doctest::Contains("`tasks = N`"));
  CHECK_THROWS_WITH(task_from_environment(env({{"JOB_COMPLETION_INDEX", "5"}}), 5), doctest::Contains("not below"));
  CHECK_THROWS_WITH(task_from_environment(env({{"JOB_COMPLETION_INDEX", "x"}}), 5), doctest::Contains("not a number"));
}

TEST_CASE("primer run finds its task in SLURM_ARRAY_* or JOB_COMPLETION_INDEX") {
  using primer::testing::run_command;
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", split_config(300, 100));
  primer::testing::write_file(dir / "k8s.toml", "tasks = 3\n" + split_config(300, 100));
  const std::string primer = primer::testing::primer_binary();
  struct Env {
    std::vector<std::string> names;
    Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
      for (auto [k, v] : vars) {
        ::setenv(k, v, 1);
        names.emplace_back(k);
      }
    }
    ~Env() {
      for (const auto& k : names) ::unsetenv(k.c_str());
    }
  };
  {
    Env e{{"SLURM_ARRAY_TASK_ID", "11"}, {"SLURM_ARRAY_TASK_COUNT", "3"}, {"SLURM_ARRAY_TASK_MIN", "10"}};
    auto r = run_command({primer, "run", (dir / "run.toml").string(), "--out", (dir / "slurm").string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("task 1/3: prompts 100..199 of 300") != std::string::npos);
    CHECK(fs::exists(dir / "slurm/tasks/1/manifest.json"));
    // An explicit --task wins over the environment.
    r = run_command({primer, "run", (dir / "run.toml").string(), "--out", (dir / "slurm").string(), "--task", "0/3"});
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(dir / "slurm/tasks/0/manifest.json"));
  }
  {
    Env e{{"JOB_COMPLETION_INDEX", "2"}};
    auto r = run_command({primer, "run", (dir / "k8s.toml").string(), "--out", (dir / "slurm").string(), "--quiet"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("task 2/3 done") != std::string::npos);
    auto bad = run_command({primer, "run", (dir / "run.toml").string(), "--out", (dir / "x").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("`tasks = N`") != std::string::npos);
  }
  auto merged = run_command({primer, "merge", (dir / "slurm").string(), "--quiet"});
  CHECK(merged.exit_code == 0);
  CHECK(merged.out.find("kept") != std::string::npos);
  auto help = run_command({primer, "merge", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("incomplete") != std::string::npos);
  auto gone = run_command({primer, "merge", (dir / "nothing").string()});
  CHECK(gone.exit_code == 2);  // a path on the command line that does not exist, as in every command
  CHECK(gone.err.find("does not exist") != std::string::npos);
  fs::create_directories(dir / "nothing");
  auto none = run_command({primer, "merge", (dir / "nothing").string()});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("holds no tasks/") != std::string::npos);
}
