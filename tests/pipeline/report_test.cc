// primer report: the page of a finished run, of broken and partial dataset directories,
// of a training directory, and the SVG pieces. The page in a real browser (search,
// no network, funnel = manifest) is tests/e2e/report_test.py.
#include <doctest/doctest.h>
#include <algorithm>
#include <fmt/format.h>

#include "base/text.h"
#include "pipeline/config.h"
#include "pipeline/report.h"
#include "pipeline/report_scan.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/shard.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::TempDir;

namespace {

const char* kRunConfig =
    "seed = 7\ncount = 600\n[teacher]\nnoise = 0.3\n"
    "[[filters]]\nkind = \"truncation\"\n[[filters]]\nkind = \"exact_dedup\"\n"
    "[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.05\n"
    "[storage]\nshard_records = 200\nvalidation_fraction = 0.1\n";

// A finished built-in run in dir/out (report.html written by the run, unless disabled).
pipeline::RunReport make_run(const TempDir& dir, const std::string& extra = "") {
  primer::testing::write_file(dir / "run.toml", std::string(kRunConfig) + extra);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  return pipeline::run(pipeline::load_config(dir / "run.toml"), o);
}

std::string render(const fs::path& dir, pipeline::ReportSummary& s, pipeline::ReportOptions o = {}) {
  return pipeline::render_report(dir, o, s);
}

bool has_problem(const pipeline::ReportSummary& s, const std::string& needle) {
  for (const auto& p : s.problems)
    if (p.find(needle) != std::string::npos) return true;
  return false;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The number shown for data-funnel="key", commas removed; -1 if absent.
long long funnel_number(const std::string& page, const std::string& key) {
  const std::string open = "data-funnel=\"" + key + "\">";
  const size_t at = page.find(open);
  if (at == std::string::npos) return -1;
  std::string digits;
  for (size_t i = at + open.size(); i < page.size() && page[i] != '<'; ++i)
    if (page[i] != ',') digits.push_back(page[i]);
  return digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ? -2 : std::stoll(digits);
}

}  // namespace

TEST_CASE("primer run writes report.html with the manifest's funnel, a verify status and samples") {
  TempDir dir;
  const pipeline::RunReport r = make_run(dir);
  REQUIRE(fs::exists(dir / "out/report.html"));
  const std::string page = storage::read_file(dir / "out/report.html");
  const storage::Manifest& m = r.manifest;
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(funnel_number(page, "prompts") == 600);
  CHECK(funnel_number(page, "replies") == static_cast<long long>(m.replies));
  CHECK(funnel_number(page, "kept") == static_cast<long long>(m.kept));
  CHECK(funnel_number(page, "train") == static_cast<long long>(m.split_records("train")));
  CHECK(funnel_number(page, "validation") == static_cast<long long>(m.split_records("validation")));
  for (const auto& f : m.filters) {
    CHECK(funnel_number(page, "filter:" + f.name + ":seen") == static_cast<long long>(f.seen));
    CHECK(funnel_number(page, "filter:" + f.name + ":kept") == static_cast<long long>(f.kept));
    for (const auto& d : f.dropped)
      CHECK(funnel_number(page, "filter:" + f.name + ":drop:" + d.reason) == static_cast<long long>(d.count));
  }
  CHECK(page.find("data-status=\"ok\"") != std::string::npos);
  CHECK(page.find("id=\"problems\"") == std::string::npos);
  // Samples: min(200, kept) rows; OOV words with context (max_oov_rate 0.05 keeps some).
  CHECK(count_of(page, "<td class=\"meta\">") == std::min<size_t>(200, m.kept));
  CHECK(page.find("id=\"oov-table\"") != std::string::npos);
  CHECK(page.find("<mark>") != std::string::npos);
  // Self-contained: nothing but the page's own style and script, allowed by hash.
  CHECK(page.find("default-src 'none'") != std::string::npos);
  CHECK(count_of(page, "'sha256-") == 2);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
}

TEST_CASE("[report] enabled = false: no report.html; the switch leaves the config hash alone") {
  TempDir dir;
  make_run(dir, "[report]\nenabled = false\n");
  CHECK(fs::exists(dir / "out/manifest.json"));
  CHECK_FALSE(fs::exists(dir / "out/report.html"));
  const auto with =
      pipeline::parse_config(std::string(kRunConfig) + "[report]\nenabled = false\nverify = false\n", "a.toml");
  const auto without = pipeline::parse_config(kRunConfig, "b.toml");
  CHECK(with.hash == without.hash);
  CHECK_FALSE(with.report.enabled);
  CHECK_FALSE(with.report.verify);
  CHECK(without.report.enabled);
  CHECK_THROWS_WITH_AS(pipeline::parse_config("[report]\nenabeld = false\n", "c.toml"),
                       doctest::Contains("unknown key 'report.enabeld' (did you mean 'enabled'?)"),
                       pipeline::ConfigError);
}

TEST_CASE("a missing shard, a truncated shard and a missing manifest are named on the page") {
  TempDir dir;
  const pipeline::RunReport r = make_run(dir);
  const storage::Manifest& m = r.manifest;
  REQUIRE(m.shards.size() >= 3);
  const fs::path out = dir / "out";
  pipeline::ReportSummary s;

  SUBCASE("missing shard") {
    fs::remove(out / m.shards[0].path);
    const std::string page = render(out, s);
    CHECK(has_problem(s, m.shards[0].path + ": missing"));
    CHECK(page.find("data-status=\"failed\"") != std::string::npos);
    CHECK(page.find("MISSING") != std::string::npos);
    CHECK(funnel_number(page, "kept") == static_cast<long long>(m.kept));  // the funnel is still the manifest's
  }
  SUBCASE("truncated shard") {
    const fs::path p = out / m.shards[1].path;
    fs::resize_file(p, fs::file_size(p) / 2);
    const std::string page = render(out, s);
    CHECK(has_problem(s, m.shards[1].path + ": truncated"));
    CHECK(has_problem(s, m.shards[1].path + ": cannot be read"));
    CHECK(page.find("id=\"problems\"") != std::string::npos);
    CHECK(page.find("VERIFY FAILED") != std::string::npos);
  }
  SUBCASE("a shard whose bytes changed past the scanned records") {
    // The report verifies in its scan's pass (every listed shard read whole and hashed):
    // a change anywhere, beyond the records it scores too, fails the verify.
    const fs::path p = out / m.shards[0].path;
    std::string bytes = storage::read_file(p);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
    storage::write_file_atomic(p, bytes);
    const fs::path plain = out / "data/extra.jsonl";  // not listed: its own problem
    storage::write_file_atomic(plain, "{\"text\":\"x\"}\n");
    pipeline::ReportOptions o;
    o.scan_records = 3;  // one record of each shard is scored; all are read
    const std::string page = render(out, s, o);
    CHECK(has_problem(s, m.shards[0].path + ": "));
    CHECK(page.find("VERIFY FAILED") != std::string::npos);
    const bool named = page.find(m.shards[0].path + ": corrupted: sha256") != std::string::npos ||
                       page.find(m.shards[0].path + ": cannot be read") != std::string::npos;
    CHECK(named);
    CHECK(has_problem(s, "data/extra.jsonl: not listed"));
  }
  SUBCASE("a shard rewritten with one record fewer: its sha256 and count disagree") {
    const fs::path p = out / m.shards[0].path;
    std::vector<std::string> lines;
    storage::read_lines(p, [&](std::string_view l) { lines.emplace_back(l); });
    REQUIRE(lines.size() > 2);
    {
      storage::ShardWriter w(p, 3);
      for (size_t i = 0; i + 1 < lines.size(); ++i) w.append(lines[i]);
      w.finish();
    }
    pipeline::ReportOptions o;
    o.scan_records = 3;  // the scan scores the first record; the count needs the whole file
    const std::string page = render(out, s, o);
    CHECK(has_problem(s, m.shards[0].path + ": corrupted: sha256"));
    CHECK(has_problem(s, fmt::format("{}: {} records, the manifest says {}", m.shards[0].path, lines.size() - 1,
                                     m.shards[0].records)));
    CHECK(page.find("data-status=\"failed\"") != std::string::npos);
  }
  SUBCASE("intact: verified in the scan's pass") {
    pipeline::ReportOptions o;
    o.scan_records = 3;
    const std::string page = render(out, s, o);
    CHECK(s.problems.empty());
    CHECK(page.find("data-status=\"ok\"") != std::string::npos);
  }
  SUBCASE("no manifest: figures from the shard files") {
    fs::remove(out / "manifest.json");
    const std::string page = render(out, s);
    CHECK(s.kind == "dataset");
    CHECK(has_problem(s, "manifest.json: missing"));
    CHECK(page.find("the funnel is unknown") != std::string::npos);
    CHECK(page.find("data-status=\"no-manifest\"") != std::string::npos);
    CHECK(page.find(fmt::format("From {} records.", base::with_commas(m.kept))) != std::string::npos);
  }
  SUBCASE("unfinished run: the counts of the last checkpoint") {
    fs::remove(out / "manifest.json");
    fs::create_directories(out / "journal");
    storage::write_file_atomic(out / "journal/state.json",
                               "{\"schema\":1,\"phase\":\"generate\",\"next_index\":400,\"checkpoints\":2,"
                               "\"validation_pieces\":[],\"totals\":" +
                                   m.to_json() + "}");
    const std::string page = render(out, s);
    CHECK(has_problem(s, "the run is unfinished"));
    CHECK(funnel_number(page, "prompts") == 600);
    CHECK(page.find("Counts of the last checkpoint") != std::string::npos);
    CHECK(page.find(fmt::format("From {} records.", base::with_commas(m.kept))) !=
          std::string::npos);  // each shard once
  }
  SUBCASE("verify off") {
    pipeline::ReportOptions o;
    o.verify = false;
    o.sample_rows = 5;
    const std::string page = render(out, s, o);
    CHECK(s.problems.empty());
    CHECK(page.find("data-status=\"skipped\"") != std::string::npos);
    CHECK(count_of(page, "<td class=\"meta\">") == 5);
  }
}

TEST_CASE("loose shards: escaping, topic x audience x style, bounded samples, rejected/ with reasons") {
  TempDir dir;
  fs::create_directories(dir / "data");
  fs::create_directories(dir / "rejected");
  std::string lines, rejected;
  const char* topics[] = {"recursion", "lists", "loops"};
  const char* audiences[] = {"beginners", "experts"};
  for (int i = 0; i < 300; ++i) {
    lines += fmt::format(
        "{{\"text\":\"Story {} about <script>alert({})</script> and a zyzzyva {}\",\"id\":\"{:016x}\",\"topic\":\"{}\","
        "\"audience\":\"{}\",\"style\":\"{}\"}}\n",
        i, i, std::string(3000, 'a'), i, topics[i % 3], audiences[i % 2], i % 5 ? "textbook" : "story");
    if (i < 40)
      rejected += fmt::format("{{\"text\":\"dropped {}\",\"rejected_by\":\"vocab\",\"reject_reason\":\"{}\"}}\n", i,
                              i % 4 ? "oov_rate" : "missing_words");
  }
  primer::testing::write_file(dir / "data/train-00000-of-00001.jsonl", lines + "{not json\n");
  primer::testing::write_file(dir / "rejected/rejected-00000.jsonl", rejected);
  pipeline::ReportSummary s;
  pipeline::ReportOptions o;
  o.sample_rows = 50;
  o.sample_chars = 200;
  const std::string page = render(dir.path(), s, o);
  CHECK(s.kind == "dataset");
  CHECK(has_problem(s, "manifest.json: missing"));
  CHECK(has_problem(s, "data/train-00000-of-00001.jsonl: 1 malformed line (301)"));
  // Record text never becomes markup.
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(") != std::string::npos);
  // Samples: 50 kept rows cut to 200 bytes, 40 rejected rows; reasons counted.
  CHECK(count_of(page, "<td class=\"meta\">") == 50 + 40);
  CHECK(page.find(std::string(300, 'a')) == std::string::npos);
  CHECK(page.find("data-rejected=\"vocab:oov_rate\">30<") != std::string::npos);
  CHECK(page.find("data-rejected=\"vocab:missing_words\">10<") != std::string::npos);
  // Code-set fields: the cross table and the styles.
  CHECK(page.find("Topic × audience × style") != std::string::npos);
  CHECK(page.find("3 topics, 2 audiences, 2 styles") != std::string::npos);
  CHECK(page.find("<th class=\"num\">beginners</th>") != std::string::npos);
  // The unknown word, in context.
  CHECK(page.find("<b>zyzzyva</b>") != std::string::npos);
  CHECK(page.size() < 200'000);
}

TEST_CASE("training directory: curves, eval table, checkpoints; a cut last line is a problem") {
  TempDir dir;
  std::string metrics;
  for (int step = 1; step <= 300; ++step) {
    metrics += fmt::format("{{\"step\":{},\"loss\":{},\"lr\":{},\"tokens_per_s\":{}", step, 8.0 / (1 + step * 0.05),
                           5e-4 * std::min(1.0, step / 30.0), 900 + step % 7);
    if (step % 50 == 0) metrics += fmt::format(",\"val_loss\":{}", 8.5 / (1 + step * 0.05));
    metrics += "}\n";
  }
  metrics += "{\"step\":301,\"loss\":1.";  // the trainer was writing this line
  primer::testing::write_file(dir / "metrics.jsonl", metrics);
  primer::testing::write_file(
      dir / "eval.json",
      R"({"scores":{"grammar":{"mean":7.25,"ci95":0.31,"n":50},"creativity":6.5},"auto":{"distinct_2":0.41,"perplexity":12.5},"model":"ckpt-300"})");
  fs::create_directories(dir / "ckpt-000300");
  primer::testing::write_file(dir / "ckpt-000300/state.json", R"({"step":300})");
  primer::testing::write_file(dir / "ckpt-000300/model.bin", std::string(1000, '\0'));
  pipeline::ReportSummary s;
  const std::string page = render(dir.path(), s);
  CHECK(s.kind == "training");
  REQUIRE(s.problems.size() == 1);
  CHECK(s.problems[0] == "metrics.jsonl: 1 malformed line skipped (the first: line 301)");
  CHECK(page.find("id=\"training\"") != std::string::npos);
  CHECK(page.find(">train loss<") != std::string::npos);
  CHECK(page.find(">validation loss<") != std::string::npos);
  CHECK(count_of(page, "<polyline") == 4);  // loss, val loss, lr, tokens/s
  CHECK(page.find("data-card=\"last-step\"><b>300</b>") != std::string::npos);
  CHECK(page.find("data-card=\"best-val-loss\"") != std::string::npos);
  CHECK(page.find("<td>grammar</td><td class=\"num\">7.25</td><td class=\"num\">0.31</td><td>n: 50</td>") !=
        std::string::npos);
  CHECK(page.find("<td>creativity</td><td class=\"num\">6.5</td>") != std::string::npos);
  CHECK(page.find("<th>perplexity</th><td class=\"num\">12.5</td>") != std::string::npos);
  CHECK(page.find("<th>model</th><td>ckpt-300</td>") != std::string::npos);
  CHECK(page.find("<td class=\"path\">ckpt-000300</td><td class=\"num\">300</td><td class=\"num\">1,000</td>") !=
        std::string::npos);
  CHECK(page.find("id=\"samples\"") == std::string::npos);

  SUBCASE("eval.json of an unknown shape is shown as text") {
    primer::testing::write_file(dir / "eval.json", "[1, 2, 3]");
    const std::string p2 = render(dir.path(), s);
    CHECK(has_problem(s, "eval.json: not a JSON object"));
    CHECK(p2.find("<pre>[1, 2, 3]</pre>") != std::string::npos);
  }
}

TEST_CASE("a directory with nothing to report still gets a page; a missing one is an error") {
  TempDir dir;
  pipeline::ReportSummary s;
  const std::string page = render(dir.path(), s);
  CHECK(s.kind == "unknown");
  CHECK(has_problem(s, "nothing to report"));
  CHECK(page.find("</html>") != std::string::npos);
  CHECK_THROWS(render(dir / "nope", s));
  // write_report: atomic, to the path asked for.
  const auto w = pipeline::write_report(dir.path(), dir / "r.html");
  CHECK(fs::file_size(dir / "r.html") == w.bytes);
}

TEST_CASE("primer report command: writes DIR/report.html, lists problems, exit 2 for a missing DIR") {
  TempDir dir;
  fs::create_directories(dir / "data");
  primer::testing::write_file(dir / "data/train-00000-of-00001.jsonl", "{\"text\":\"A cat sat.\"}\n");
  auto r = primer::testing::run_command({primer::testing::primer_binary(), "report", dir.path().string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("report: " + (dir / "report.html").string()) != std::string::npos);
  CHECK(r.out.find("manifest.json: missing") != std::string::npos);
  CHECK(fs::exists(dir / "report.html"));
  r = primer::testing::run_command(
      {primer::testing::primer_binary(), "report", dir.path().string(), "--out", (dir / "x.html").string(), "-q"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(fs::exists(dir / "x.html"));
  r = primer::testing::run_command({primer::testing::primer_binary(), "report", (dir / "nope").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("does not exist") != std::string::npos);
}

TEST_CASE("report samples: the bottom-k rows do not depend on the order rows arrive in, ties included") {
  using pipeline::report::BottomK;
  using pipeline::report::SampleRow;
  // Keys repeat (the same text on the same line of two shards): rows with one key differ.
  std::vector<SampleRow> rows;
  for (int i = 0; i < 60; ++i) rows.push_back({static_cast<uint64_t>(i % 7), fmt::format("<tr>{}</tr>", i)});
  auto sample = [](const std::vector<SampleRow>& in) {
    BottomK k(10);
    for (const auto& r : in)
      if (k.wants(r.key)) k.add(r);
    std::vector<std::string> out;
    for (const auto& r : k.take()) out.push_back(r.html);
    return out;
  };
  const auto forward = sample(rows);
  std::reverse(rows.begin(), rows.end());
  const auto backward = sample(rows);
  std::rotate(rows.begin(), rows.begin() + 23, rows.end());
  CHECK(forward == backward);
  CHECK(sample(rows) == forward);
  REQUIRE(forward.size() == 10);
  CHECK(forward.front() == "<tr>0</tr>");  // key 0: rows 0, 7, 14, ... ordered by their text
  CHECK(forward[1] == "<tr>14</tr>");
}
