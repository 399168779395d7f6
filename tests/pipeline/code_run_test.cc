// examples/codeexercises.toml and examples/codetextbook.toml end to end on the built-in
// teacher (with fewer prompts): every planted failure is dropped with its own reason while
// the run goes on, and every kept exercise passes its tests again when re-run on its own
// by a plain /usr/bin/python3, outside primer's sandbox.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <cstdio>
#include <map>

#include "filters/code_text.h"
#include "pipeline/config.h"
#include "pipeline/report.h"
#include "pipeline/run.h"
#include "storage/shard.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

// The example with `count` prompts and the given teacher lines; paths stay relative to
// the source tree (the test runs there).
pipeline::Config example(const TempDir& dir, const std::string& name, int count, const std::string& teacher) {
  std::string text = primer::testing::read_file(primer::testing::source_path("examples/" + name));
  // Replaces the rest of the line after `key = `, and the [teacher] table up to its blank line.
  const auto set = [&](const std::string& key, const std::string& value) {
    const size_t at = text.find("\n" + key + " = ");
    if (at == std::string::npos) return;
    const size_t from = at + key.size() + 4, eol = text.find('\n', from);
    text.replace(from, eol - from, value);
  };
  set("count", std::to_string(count));
  set("cpu_seconds", "1");
  set("wall_seconds", "2");
  const size_t table = text.find("[teacher]\n");
  REQUIRE(table != std::string::npos);
  text.replace(table, text.find("\n\n", table) - table, "[teacher]\n" + teacher);
  primer::testing::write_file(dir / name, text);
  return pipeline::load_config(dir / name);
}

// Runs the example in process into dir/out and prints its summary table.
storage::Manifest run_example(const TempDir& dir, const std::string& name, int count, const std::string& teacher) {
  const auto config = example(dir, name, count, teacher);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  storage::Manifest m = pipeline::run(config, o).manifest;
  std::printf("%s", pipeline::summary_table(m).c_str());
  return m;
}

std::map<std::string, uint64_t> drops(const storage::Manifest& m, const std::string& filter) {
  std::map<std::string, uint64_t> out;
  for (const auto& f : m.filters)
    if (f.name == filter)
      for (const auto& d : f.dropped) out[d.reason] = d.count;
  return out;
}

std::vector<std::string> records(const fs::path& out) {
  std::vector<std::string> lines;
  for (const auto& e : fs::directory_iterator(out / "data"))
    storage::read_lines(e.path(), [&](std::string_view l) { lines.emplace_back(l); });
  return lines;
}

// Each exercise in its own interpreter, with a timeout; prints "passed N of M".
constexpr const char* kRerun = R"py(
import os, subprocess, sys
root = sys.argv[1]
names = sorted(os.listdir(root))
passed = 0
for name in names:
    d = os.path.join(root, name)
    src = open(os.path.join(d, "solution.py")).read() + "\n" + open(os.path.join(d, "tests.py")).read()
    r = subprocess.run([sys.executable, "-c", src], cwd=d, capture_output=True, timeout=20)
    if r.returncode == 0:
        passed += 1
    else:
        print("FAIL", name, r.stderr.decode()[-300:])
print("passed %d of %d" % (passed, len(names)))
)py";

}  // namespace

TEST_CASE("codeexercises example: planted failures dropped by reason, kept exercises pass when re-run") {
  TempDir dir;
  const storage::Manifest m =
      run_example(dir, "codeexercises.toml", 260, "kind = \"builtin\"\nnoise = 0.15\nhostile = 0.1");
  CHECK(m.prompts == 260);
  CHECK(drops(m, "code_blocks")["no_code"] > 0);         // missing code blocks
  CHECK(drops(m, "python_syntax")["syntax_error"] > 0);  // syntax errors
  const auto run = drops(m, "exercise_tests");
  for (const char* reason :
       {"test_failed", "timeout", "spawn_attempt", "memory_limit", "network_attempt", "write_outside"})
    CHECK_MESSAGE(run.at(reason) > 0, reason);
  CHECK(run.at("error") == 0);
  CHECK(run.count("sandbox_error") == 0);  // a sandbox that cannot start stops the run; it is no drop reason
  for (const char* reason : {"exited_early", "no_asserts", "tests_ignore_solution", "signal_attempt"})
    CHECK_MESSAGE(run.count(reason) == 1, reason);  // every reason is listed, zeros included
  CHECK(drops(m, "minhash")["near_duplicate"] > 0);
  CHECK(drops(m, "decontaminate")["contaminated"] > 0);  // is_palindrome is in the sample eval set
  CHECK(!fs::exists(dir / "escaped.txt"));
  CHECK(!fs::exists(fs::temp_directory_path() / "escaped.txt"));

  // Re-run every kept exercise on its own.
  const auto lines = records(dir / "out");
  REQUIRE(lines.size() == m.kept);
  REQUIRE(m.kept >= 40);
  simdjson::dom::parser parser;
  int n = 0;
  for (const auto& line : lines) {
    simdjson::dom::element e = parser.parse(line);
    CHECK(std::string_view(e["kind"]) == "codeexercises");
    CHECK(!std::string_view(e["function"]).empty());
    CHECK(!std::string_view(e["topic"]).empty());
    CHECK(!std::string_view(e["difficulty"]).empty());
    CHECK(int64_t(e["asserts"]) >= 1);  // what the verification proved, per record
    const double coverage = e["coverage"];
    CHECK(coverage > 0);
    CHECK(coverage <= 1);
    const std::string text{std::string_view(e["text"])};
    std::vector<std::string> blocks;
    for (const auto& b : filters::extract_code_blocks(text))
      if (filters::is_python_block(b)) blocks.emplace_back(b.code);
    REQUIRE(blocks.size() == 2);
    const fs::path sub = dir / "rerun" / ("ex" + std::to_string(n++));
    fs::create_directories(sub);
    primer::testing::write_file(sub / "solution.py", blocks[0]);
    primer::testing::write_file(sub / "tests.py", blocks[1]);
  }
  primer::testing::write_file(dir / "rerun.py", kRerun);
  const auto r =
      primer::testing::run_command({"/usr/bin/python3", (dir / "rerun.py").string(), (dir / "rerun").string()});
  std::printf("re-run of kept exercises: %s", r.out.c_str());
  unsigned passed = 0, total = 0;
  REQUIRE(std::sscanf(r.out.substr(r.out.rfind("passed ")).c_str(), "passed %u of %u", &passed, &total) == 2);
  CHECK(total == m.kept);
  CHECK(double(passed) >= 0.99 * double(total));
}

TEST_CASE("codeexercises example with isolation = \"none\": the manifest, card and report say so") {
  TempDir dir;
  std::string text = primer::testing::read_file(primer::testing::source_path("examples/codeexercises.toml"));
  const auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  replace("count = 1000", "count = 30");
  replace("isolation = \"bubblewrap\"", "isolation = \"none\"");
  primer::testing::write_file(dir / "bare.toml", text);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  const storage::Manifest m = pipeline::run(pipeline::load_config(dir / "bare.toml"), o).manifest;
  REQUIRE(m.caveats.size() == 1);
  CHECK(m.caveats[0].find("without isolation") != std::string::npos);
  CHECK(storage::Manifest::load(dir / "out/manifest.json").caveats == m.caveats);
  CHECK(primer::testing::read_file(dir / "out/README.md")
            .find("**Caveat:** exercise_tests ran the teacher's code "
                  "without isolation") != std::string::npos);
  pipeline::write_report(dir / "out", dir / "report.html");
  CHECK(primer::testing::read_file(dir / "report.html").find("without isolation") != std::string::npos);
  // The default boundary states nothing of the kind.
  TempDir boxed;
  const storage::Manifest b = run_example(boxed, "codeexercises.toml", 30, "kind = \"builtin\"");
  CHECK(b.caveats.empty());
}

TEST_CASE("codetextbook example: lessons with runnable code; broken ones dropped; card and records") {
  TempDir dir;
  const storage::Manifest m = run_example(dir, "codetextbook.toml", 200, "kind = \"builtin\"\nnoise = 0.2");
  CHECK(drops(m, "code_blocks")["no_code"] > 0);
  CHECK(drops(m, "python_syntax")["syntax_error"] > 0);
  CHECK(m.kept > 100);
  CHECK(primer::testing::read_file(dir / "out" / "README.md").find("CodeTextbook-style Python lessons") !=
        std::string::npos);
  simdjson::dom::parser parser;
  std::map<std::string, int> audiences, styles;
  for (const auto& line : records(dir / "out")) {
    simdjson::dom::element e = parser.parse(line);
    CHECK(std::string_view(e["kind"]) == "codetextbook");
    ++audiences[std::string(std::string_view(e["audience"]))];
    ++styles[std::string(std::string_view(e["style"]))];
    CHECK(!std::string_view(e["topic"]).empty());
    CHECK(e["words"].error() == simdjson::NO_SUCH_FIELD);
  }
  CHECK(audiences.size() == 4);
  CHECK(styles.size() == 4);
}
