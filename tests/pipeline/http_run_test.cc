// primer run with the HTTP teacher against an in-process server: the dataset, the
// journal that never pays twice, SIGKILL, budget, quota and unreachable-server stops.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "base/json.h"
#include "pipeline/config.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/reader.h"
#include "storage/shard.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::FakeCall;
using primer::testing::FakeOpenAI;
using primer::testing::FakeReply;
using primer::testing::TempDir;

namespace {

std::string http_config(const FakeOpenAI& server, uint64_t count, const std::string& teacher_extra = "") {
  return "seed = 3\ncount = " + std::to_string(count) +
         "\n[teacher]\nkind = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \"" + server.base_url() +
         "\"\nmax_tokens = 100\nmax_in_flight = 64\nmax_attempts = 3\n" + teacher_extra +
         "[[filters]]\nkind = \"truncation\"\n[[filters]]\nkind = \"exact_dedup\"\n"
         "[storage]\nshard_records = 100\nvalidation_fraction = 0.05\n";
}

std::map<std::string, std::string> data_files(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(out / "data")) files[e.path().filename()] = storage::read_file(e.path());
  return files;
}

pipeline::RunReport run_in_process(const fs::path& config_path, const fs::path& out) {
  pipeline::RunOptions o;
  o.out = out;
  o.progress = false;
  return pipeline::run(pipeline::load_config(config_path), o);
}

uint64_t records_in(const fs::path& out) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(out / "data"))
    storage::read_lines(e.path(), [&](std::string_view) { ++n; });
  return n;
}

}  // namespace

TEST_CASE("an HTTP run: every prompt asked once, stories in the shards, usage and cost in the manifest") {
  FakeOpenAI server;
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 400));
  const auto r = run_in_process(dir / "run.toml", dir / "out");
  CHECK(r.manifest.prompts == 400);
  CHECK(r.manifest.replies == 400);
  CHECK(r.manifest.kept == 400);
  CHECK(r.manifest.teacher == "gpt-4o-mini");
  CHECK(r.manifest.prompt_tokens == 400 * 50);
  CHECK(r.manifest.completion_tokens == 400 * 20);
  CHECK(r.manifest.cost_usd == doctest::Approx(400 * (50 * 0.15 + 20 * 0.60) / 1e6));
  CHECK(records_in(dir / "out") == 400);
  CHECK(server.requests() == 400);
  for (const auto& [seed, n] : server.completions()) CHECK(n == 1);
  const std::string card = storage::read_file(dir / "out/README.md");
  CHECK(card.find("gpt-4o-mini") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/journal"));
}

TEST_CASE("an HTTP run: each record carries the prompt that was sent for its reply") {
  // The server answers each request with its own user message: a record whose "prompt"
  // is not its "text" paired a reply with another prompt than the one sent for it.
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r;
    simdjson::dom::parser parser;
    simdjson::dom::array messages;
    std::string_view content;
    r.status = 400;
    if (parser.parse(c.body)["messages"].get_array().get(messages)) return r;
    for (auto m : messages) {
      std::string_view role;
      if (!m["role"].get_string().get(role) && role == "user" && m["content"].get_string().get(content)) return r;
    }
    r.status = 200;
    r.billed = true;
    r.body = R"({"choices":[{"index":0,"message":{"role":"assistant","content":)";
    base::append_json_string(r.body, content);
    r.body += R"(},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":20}})";
    return r;
  };
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 400));
  const auto r = run_in_process(dir / "run.toml", dir / "out");
  CHECK(r.manifest.replies == 400);
  uint64_t records = 0, paired = 0;
  for (const auto& e : fs::directory_iterator(dir / "out/data"))
    storage::for_each_record(e.path(), [&](const storage::RecordView& v) {
      ++records;
      std::string_view prompt;
      if (!v.json["prompt"].get_string().get(prompt) && !prompt.empty() && prompt == v.text) ++paired;
    });
  CHECK(records == 400);
  CHECK(paired == records);
}

TEST_CASE("failed prompts are counted, not written; truncated replies are dropped by the truncation filter") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    if (c.seed % 10 == 0) {
      FakeReply r;
      r.status = 400;
      r.body = R"({"error":{"message":"prompt rejected"}})";
      return r;
    }
    FakeReply r = FakeOpenAI::default_reply(c);
    if (c.seed % 10 == 1) {
      const auto pos = r.body.find("\"finish_reason\":\"stop\"");
      r.body.replace(pos, 22, "\"finish_reason\":\"length\"");
    }
    return r;
  };
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 300));
  const auto m = run_in_process(dir / "run.toml", dir / "out").manifest;
  CHECK(m.prompts == 300);
  CHECK(m.teacher_failures + m.replies == 300);
  CHECK(m.teacher_failures > 10);
  REQUIRE(!m.filters.empty());
  uint64_t finish_length = 0;
  for (const auto& d : m.filters[0].dropped)
    if (d.reason == "finish_length") finish_length = d.count;
  CHECK(finish_length > 10);
  CHECK(m.kept == m.replies - finish_length);
}

TEST_CASE("SIGKILL at random moments: same dataset, paid requests are never asked again") {
  TempDir dir;
  FakeOpenAI reference_server;
  primer::testing::write_file(dir / "ref.toml", http_config(reference_server, 3000));
  run_in_process(dir / "ref.toml", dir / "reference");
  const auto reference = data_files(dir / "reference");

  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r = FakeOpenAI::default_reply(c);
    r.delay_s = 0.004;  // generation time: requests are in flight when the kill comes
    return r;
  };
  primer::testing::write_file(dir / "run.toml", http_config(server, 3000));
  const fs::path out = dir / "killed";
  const std::vector<std::string> argv = {
      primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", out.string(), "--quiet"};
  std::mt19937 rng(12345);
  int kills = 0;
  for (int k = 0; k < 4; ++k) {
    const int pid = primer::testing::spawn(argv);
    const uint64_t before = server.requests();
    // Wait until this session has sent a random number of requests, then kill.
    const uint64_t target = before + 100 + rng() % 400;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int code = -1;
    bool ended = false;
    while (!(ended = primer::testing::has_exited(pid, code)) && server.requests() < target &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    if (!ended) {
      ::kill(pid, SIGKILL);
      code = primer::testing::wait_for(pid);
    }
    if (code == 128 + SIGKILL) ++kills;
  }
  CHECK(kills == 4);
  const auto done = primer::testing::run_command(argv);
  CHECK(done.exit_code == 0);
  CHECK(data_files(out) == reference);
  // Billing: a prompt can be paid twice only if its reply was in flight at a kill.
  int twice = 0, total = 0;
  for (const auto& [seed, n] : server.completions()) {
    total += n;
    if (n > 1) ++twice;
    CHECK(n <= 1 + kills);
  }
  CHECK(twice <= kills * 64);
  MESSAGE("prompts paid twice after " << kills << " kills with 64 in flight: " << twice << " of 3000 (" << total
                                      << " completions billed)");
}

TEST_CASE("budget: stops before crossing it, resumable with a larger budget") {
  FakeOpenAI server;
  TempDir dir;
  // Worst case per request: (prompt ~400 chars / 4 + 100 max tokens) × $1/1M ≈ $0.0002.
  primer::testing::write_file(dir / "run.toml",
                              http_config(server, 500, "price_input = 1.0\nprice_output = 1.0\nbudget_usd = 0.02\n"));
  const std::string binary = primer::testing::primer_binary();
  const auto first = primer::testing::run_command(
      {binary, "run", (dir / "run.toml").string(), "--out", (dir / "out").string(), "--quiet"});
  CHECK(first.exit_code == 0);
  CHECK(first.err.find("budget reached") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/manifest.json"));
  const uint64_t paid = server.completions().size();
  // Requests go out while spent + the worst case of those outstanding stays within the
  // budget; each completion really costs (50 + 20) / 1M, less than its worst case.
  CHECK(paid > 100);
  CHECK(paid < 500);
  CHECK(double(paid) * 70 / 1e6 <= 0.02);

  primer::testing::write_file(dir / "run.toml",
                              http_config(server, 500, "price_input = 1.0\nprice_output = 1.0\nbudget_usd = 10\n"));
  const auto second = primer::testing::run_command(
      {binary, "run", (dir / "run.toml").string(), "--out", (dir / "out").string(), "--quiet"});
  CHECK(second.exit_code == 0);
  CHECK(fs::exists(dir / "out/manifest.json"));
  CHECK(records_in(dir / "out") == 500);
  for (const auto& [seed, n] : server.completions()) CHECK(n == 1);
}

TEST_CASE("insufficient_quota stops the run cleanly; the rerun finishes without paying twice") {
  FakeOpenAI server;
  std::atomic<bool> broke{true};
  std::atomic<int> served{0};
  server.behaviour = [&](const FakeCall& c) {
    if (broke && ++served > 150) {
      FakeReply r;
      r.status = 429;
      r.body =
          R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})";
      return r;
    }
    return FakeOpenAI::default_reply(c);
  };
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 400));
  const std::string binary = primer::testing::primer_binary();
  const std::vector<std::string> argv = {binary,   "run", (dir / "run.toml").string(), "--out", (dir / "out").string(),
                                         "--quiet"};
  const auto first = primer::testing::run_command(argv);
  CHECK(first.exit_code == 1);
  CHECK(first.err.find("no quota left") != std::string::npos);
  CHECK(first.err.find("You exceeded your current quota") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/manifest.json"));
  broke = false;
  const auto second = primer::testing::run_command(argv);
  CHECK(second.exit_code == 0);
  CHECK(records_in(dir / "out") == 400);
  for (const auto& [seed, n] : server.completions()) CHECK(n == 1);
}

TEST_CASE("a server that cannot be reached stops the run, exit 1, instead of failing every prompt; the rerun resumes") {
  std::string down;
  {
    FakeOpenAI gone;
    down = gone.base_url();
  }  // its port is closed now
  FakeOpenAI server;
  TempDir dir;
  std::string config = http_config(server, 200);
  config.replace(config.find(server.base_url()), server.base_url().size(), down);
  primer::testing::write_file(dir / "run.toml", config);
  const std::vector<std::string> argv = {
      primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", (dir / "out").string(), "--quiet"};
  const auto first = primer::testing::run_command(argv);
  CHECK(first.exit_code == 1);
  INFO(first.err);
  CHECK(first.err.find("the teacher server could not be reached: nothing at " + down + " answered for ") !=
        std::string::npos);
  CHECK(first.err.find("rerun the same command to resume") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/manifest.json"));
  CHECK(server.requests() == 0);
  // base_url is not part of the run's identity: the rerun may name another server.
  primer::testing::write_file(dir / "run.toml", http_config(server, 200));
  const auto second = primer::testing::run_command(argv);
  CHECK(second.exit_code == 0);
  CHECK(records_in(dir / "out") == 200);
  for (const auto& [seed, n] : server.completions()) CHECK(n == 1);
}

TEST_CASE("--estimate sends nothing and prints requests, tokens and cost") {
  FakeOpenAI server;
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 1000));
  const auto r = primer::testing::run_command({primer::testing::primer_binary(), "run", (dir / "run.toml").string(),
                                               "--out", (dir / "out").string(), "--estimate"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("requests           1000") != std::string::npos);
  CHECK(r.out.find("completion tokens  at most 100000") != std::string::npos);
  CHECK(r.out.find("cost               at most $0.0") != std::string::npos);
  CHECK(server.requests() == 0);
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE(
    "progress on stderr: prompts/s and ETA, and the HTTP teacher's in flight, req/s, tokens/s, retries, errors, spend") {
  FakeOpenAI server;
  TempDir dir;
  primer::testing::write_file(dir / "run.toml", http_config(server, 200));
  const auto r = primer::testing::run_command(
      {primer::testing::primer_binary(), "run", (dir / "run.toml").string(), "--out", (dir / "out").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("200/200 prompts (100.0%)") != std::string::npos);
  CHECK(r.err.find(" in flight | ") != std::string::npos);
  CHECK(r.err.find(" req/s | ") != std::string::npos);
  CHECK(r.err.find(" tokens/s | 0 retries | errors 0 | $") != std::string::npos);
}
