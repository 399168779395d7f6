// primer eval: score parsing in the forms graders answer in, story beginnings, and the
// whole evaluation offline (heuristic grades) and with an HTTP teacher as the judge.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <algorithm>

#include "pipeline/config.h"
#include "pipeline/eval.h"
#include "storage/reader.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;

namespace {
const std::vector<std::string> kKeys = {"grammar", "creativity", "consistency"};

using testing::run_primer;

// Calls fn for every record of the DIR/PREFIX*.jsonl.zst shards, with storage's reader.
void for_each_record_in(const fs::path& dir, const std::string& prefix, const storage::RecordFn& fn) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix) && e.path().string().ends_with(".jsonl.zst"))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const auto& f : files) CHECK(storage::for_each_record(f, fn).malformed == 0);
}

// A dataset with tokens and a small model trained on it (once per process).
const fs::path& workdir() {
  static testing::TempDir dir;
  static bool made = [] {
    testing::write_file(dir / "run.toml",
                        "seed = 8\ncount = 300\nout = \"" + (dir / "data").string() +
                            "\"\n[storage]\nvalidation_fraction = 0.1\n[tokenizer]\nvocab_size = 400\n");
    auto r = run_primer({"run", (dir / "run.toml").string(), "--quiet"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    testing::write_file(dir / "train.toml",
                        "[model]\ndim = 32\nn_layers = 2\nn_heads = 4\nn_kv_heads = 2\n"
                        "hidden_dim = 64\nvocab_size = 400\nseq_len = 512\n[train]\ndata = \"" +
                            (dir / "data").string() + "\"\nbatch_size = 8\nsteps = 40\nlr = 4e-3\nlog_every = 0\n");
    r = run_primer({"train", (dir / "train.toml").string(), "--out", (dir / "model").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return true;
  }();
  (void)made;
  return dir.path();
}
}  // namespace

TEST_CASE("parse_scores: JSON bare or fenced, the last complete object, and 'Key: 7/10' lines") {
  auto s = pipeline::parse_scores(R"(Nice story. {"grammar": 8, "creativity": 6, "consistency": 7})", kKeys);
  REQUIRE(s);
  CHECK((*s)["grammar"] == 8);
  s = pipeline::parse_scores(
      "Assessment...\n```json\n{\"Grammar\": \"9/10\", \"Creativity\": 5, \"Consistency\": 6.5}\n```", kKeys);
  REQUIRE(s);
  CHECK((*s)["grammar"] == 9);
  CHECK((*s)["consistency"] == 6.5);
  // an example object in the rubric text is superseded by the final answer
  s = pipeline::parse_scores(R"(like {"grammar": 7} ... final: {"grammar": 3, "creativity": 4, "consistency": 5})",
                             kKeys);
  REQUIRE(s);
  CHECK((*s)["grammar"] == 3);
  s = pipeline::parse_scores("Grammar: 7/10\nCreativity - 4\n**Consistency**: 8 / 10", kKeys);
  REQUIRE(s);
  CHECK((*s)["creativity"] == 4);
  CHECK((*s)["consistency"] == 8);
  CHECK_FALSE(pipeline::parse_scores("Grammar: 7/10, creativity: 12", kKeys));  // out of range, one missing
  CHECK_FALSE(pipeline::parse_scores("I cannot grade this.", kKeys));
  CHECK_FALSE(pipeline::parse_scores(R"({"grammar": 8, "creativity": 6})", kKeys));
}

TEST_CASE("story_beginning cuts whole sentences, never the whole story") {
  const std::string story =
      "Tom had a red ball. He liked to play with it every day. One day the ball rolled away. "
      "Tom ran after it. He found it under a tree. He was happy.";
  const std::string b = pipeline::story_beginning(story);
  CHECK(b == "Tom had a red ball.");  // the next sentence would pass 40% of the words
  CHECK(pipeline::story_beginning(story, 0.5) == "Tom had a red ball. He liked to play with it every day.");
  CHECK(pipeline::story_beginning("Only one sentence here.") == "");
  CHECK(pipeline::story_beginning("\"Hi!\" said Sue. \"Hello,\" said Tom.") == "\"Hi!\" said Sue.");
}

TEST_CASE("primer eval offline: automatic measures and heuristic grades, eval.json and eval.svg") {
  const fs::path dir = workdir();
  const auto r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "run.toml").string(), "--samples",
                             "6", "--max-tokens", "40", "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("heuristic") != std::string::npos);
  CHECK(r.out.find("perplexity") != std::string::npos);
  const fs::path ck =
      fs::path(r.out.substr(r.out.find("wrote ") + 6, r.out.find("/eval.json") - r.out.find("wrote ") - 6));
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(testing::read_file(ck / "eval.json")).get(e));
  CHECK(e["scores"]["greedy.grammar"]["n"].get_uint64().value() == 6);
  const double g = e["scores"]["sampled.creativity"]["mean"].get_double().value();
  CHECK(g >= 1);
  CHECK(g <= 10);
  const double d1 = e["auto"]["sampled.distinct_1"].get_double().value();
  CHECK(d1 > 0);
  CHECK(d1 <= 1);
  CHECK(e["auto"]["perplexity"].get_double().value() > 1);
  const std::string svg = testing::read_file(ck / "eval.svg");
  CHECK(svg.starts_with("<svg width=\"720\""));  // base/svg.h's standalone chart
  CHECK(svg.find("Grades (1-10, mean and 95% interval; heuristic)") != std::string::npos);
  CHECK(svg.find(", greedy") != std::string::npos);
  CHECK(svg.find(", sampled") != std::string::npos);
  CHECK(svg.find("<line class=\"axis\"") != std::string::npos);  // the intervals
}

TEST_CASE("primer eval compares weight formats: perplexity on the same tokens, identical greedy continuations") {
  const fs::path dir = workdir();
  auto r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "run.toml").string(), "--samples", "6",
                       "--max-tokens", "20", "--formats", "f16,bf16,q8_0", "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  INFO(r.out);
  CHECK(r.out.find("greedy same") != std::string::npos);
  CHECK(r.out.find("f32 (as loaded)") != std::string::npos);
  const fs::path ck =
      fs::path(r.out.substr(r.out.find("wrote ") + 6, r.out.find("/eval.json") - r.out.find("wrote ") - 6));
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(testing::read_file(ck / "eval.json")).get(e));
  const double f32 = e["auto"]["weights.f32.perplexity"].get_double().value();
  const double f16 = e["auto"]["weights.f16.perplexity"].get_double().value();
  const double q8 = e["auto"]["weights.q8_0.perplexity"].get_double().value();
  const double bf16 = e["auto"]["weights.bf16.perplexity"].get_double().value();
  MESSAGE("perplexity f32 " << f32 << ", f16 " << f16 << ", bf16 " << bf16 << ", q8_0 " << q8);
  CHECK(f32 > 1);
  CHECK(std::abs(f16 / f32 - 1) < 0.001);
  CHECK(std::abs(q8 / f32 - 1) < 0.01);
  CHECK(q8 != f32);  // really decoded with int8 weights
  CHECK(e["auto"]["weights.f32.greedy_identical_50"].get_double().value() == 1);
  const double same = e["auto"]["weights.q8_0.greedy_identical_50"].get_double().value();
  CHECK(same >= 0);
  CHECK(same <= 1);
  // --formats none: no comparison
  r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "run.toml").string(), "--samples", "2",
                  "--max-tokens", "5", "--formats", "none", "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("greedy same") == std::string::npos);
}

TEST_CASE("primer eval with an HTTP judge: grades parsed from its answers, unusable answers counted") {
  const fs::path dir = workdir();
  testing::FakeOpenAI judge;
  judge.behaviour = [](const testing::FakeCall& call) {
    testing::FakeReply reply = testing::FakeOpenAI::default_reply(call);
    // every third answer has no usable grades; the others grade 6/7/8 in a fenced block
    const std::string content = call.seed % 3 == 0 ? "I would rather not grade."
                                                   : "Fine.\\n```json\\n{\\\"grammar\\\": 6, \\\"creativity\\\": 7, "
                                                     "\\\"consistency\\\": 8}\\n```";
    reply.body =
        R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
        content + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":20}})";
    reply.billed = true;
    return reply;
  };
  testing::write_file(dir / "judge.toml", "out = \"" + (dir / "data").string() +
                                              "\"\n[teacher]\nkind = \"openai\"\nbase_url = \"" + judge.base_url() +
                                              "\"\nmodel = \"judge-model\"\n");
  const auto r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "judge.toml").string(), "--samples",
                             "6", "--max-tokens", "30", "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(judge.requests() == 12);
  CHECK(r.out.find("judge-model") != std::string::npos);
  const fs::path ck =
      fs::path(r.out.substr(r.out.find("wrote ") + 6, r.out.find("/eval.json") - r.out.find("wrote ") - 6));
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(testing::read_file(ck / "eval.json")).get(e));
  const uint64_t graded = e["graded"].get_uint64().value(), ungraded = e["ungraded"].get_uint64().value();
  CHECK(graded + ungraded == 12);
  CHECK(ungraded > 0);
  CHECK(graded > 0);
  CHECK(e["scores"]["greedy.grammar"]["mean"].get_double().value() == doctest::Approx(6));
  CHECK(e["scores"]["sampled.consistency"]["mean"].get_double().value() == doctest::Approx(8));
  CHECK(e["scores"]["sampled.consistency"]["ci95"].get_double().value() == doctest::Approx(0));
}

TEST_CASE("primer eval: beginnings longer than the context are cut to their end and counted; nothing graded fails") {
  const fs::path dir = workdir();
  // Two beginnings of about 3,000 words (the model's context is 512 tokens) between two short ones.
  std::string stories;
  for_each_record_in(dir / "data" / "data", "train-", [&](const storage::RecordView& rec) {
    if (stories.size() < 20000) {
      std::string one(rec.text);
      std::replace(one.begin(), one.end(), '\n', ' ');
      stories += one + " ";
    }
  });
  REQUIRE(stories.size() >= 15000);
  testing::write_file(dir / "long.txt", "Tom had a red ball.\n" + stories + "\nLily went to the park.\n" +
                                            stories.substr(stories.size() / 3) + "\n");
  auto r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "run.toml").string(), "--beginnings",
                       (dir / "long.txt").string(), "--max-tokens", "20"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("eval: 2 of 4 beginnings were longer than 492 tokens") != std::string::npos);
  CHECK(r.out.find("2 of 4 beginnings were cut to fit the context") != std::string::npos);
  const fs::path ck =
      fs::path(r.out.substr(r.out.find("wrote ") + 6, r.out.find("/eval.json") - r.out.find("wrote ") - 6));
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(!p.parse(testing::read_file(ck / "eval.json")).get(e));
  CHECK(e["beginnings"].get_uint64().value() == 4);
  CHECK(e["beginnings_cut"].get_uint64().value() == 2);
  // every beginning was completed, the long ones too (before, they were skipped silently)
  CHECK(e["graded"].get_uint64().value() + e["ungraded"].get_uint64().value() == 8);
  CHECK(e["graded"].get_uint64().value() > 4);
  // a cut beginning keeps its end and loses its start (examples: beginning 0 greedy and
  // sampled, then beginning 1, the long one)
  std::vector<std::string> examples;
  for (auto x : e["examples"].get_array()) examples.emplace_back(std::string_view(x));
  REQUIRE(examples.size() == 4);
  const std::string tail = stories.substr(stories.size() - 41, 40);  // before the trailing space
  CHECK(examples[2].find(tail) != std::string::npos);
  CHECK(examples[2].size() < stories.size() / 2);
  CHECK(!examples[2].starts_with(stories.substr(0, 40)));

  // A judge whose answers never hold grades: nothing measured, one line, exit 1.
  testing::FakeOpenAI judge;
  judge.behaviour = [](const testing::FakeCall& call) {
    testing::FakeReply reply = testing::FakeOpenAI::default_reply(call);
    reply.body =
        R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":)"
        R"("I would rather not grade."},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5}})";
    reply.billed = true;
    return reply;
  };
  testing::write_file(dir / "nograde.toml", "out = \"" + (dir / "data").string() +
                                                "\"\n[teacher]\nkind = \"openai\"\nbase_url = \"" + judge.base_url() +
                                                "\"\nmodel = \"judge-model\"\n");
  r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "nograde.toml").string(), "--samples", "3",
                  "--max-tokens", "10", "--quiet"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("nothing was graded: none of the 6 completions got usable grades from judge-model") !=
        std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  // A judge that cannot be reached: the line says so.
  std::string down;
  {
    testing::FakeOpenAI gone;
    down = gone.base_url();
  }
  testing::write_file(dir / "down.toml", "out = \"" + (dir / "data").string() +
                                             "\"\n[teacher]\nkind = \"openai\"\nbase_url = \"" + down +
                                             "\"\nmodel = \"judge-model\"\nmax_attempts = 2\n");
  r = run_primer({"eval", (dir / "model").string(), "--config", (dir / "down.toml").string(), "--samples", "3",
                  "--max-tokens", "10", "--quiet"});
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(r.err.find("nothing was graded") != std::string::npos);
  CHECK(r.err.find("; the judge failed: nothing at " + down + " answered for ") != std::string::npos);
}

TEST_CASE("TinyStories-Instruct end to end: records carry summary, sentence, words; the text is the Instruct format") {
  testing::TempDir tmp;
  std::string cfg = testing::read_file(testing::source_path("examples/tinystories-instruct.toml"));
  cfg.replace(cfg.find("count = 5000"), 12, "count = 600");
  cfg.replace(cfg.find("[tokenizer]"), std::string("[tokenizer]\nvocab_size = 4096\n").size(), "");
  testing::write_file(tmp / "i.toml", cfg);
  const auto r = run_primer({"run", (tmp / "i.toml").string(), "--out", (tmp / "out").string(), "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  simdjson::dom::parser p;
  simdjson::dom::element m;
  REQUIRE(!p.parse(testing::read_file(tmp / "out" / "manifest.json")).get(m));
  simdjson::dom::element first_filter = m["filters"].at(0);
  CHECK(std::string(first_filter["name"].get_string().value()) == "instruct");
  CHECK(first_filter["dropped"]["unparseable"].get_uint64().value() > 0);  // noise forgets some summaries
  size_t records = 0, with_summary_line = 0;
  for_each_record_in(tmp / "out" / "data", "train-", [&](const storage::RecordView& rv) {
    const simdjson::dom::element rec = rv.json;
    const std::string text(rv.text);
    const std::string summary(rec["summary"].get_string().value()), sentence(rec["sentence"].get_string().value());
    CHECK(std::string(rec["kind"].get_string().value()) == "tinystories-instruct");
    CHECK(!summary.empty());
    const size_t story = text.find("Story: ");
    REQUIRE(story != std::string::npos);
    CHECK(text.find(sentence, story) != std::string::npos);
    CHECK(rec["words"].get_array().size() == 3);
    if (text.starts_with("Summary: ")) {
      ++with_summary_line;
      CHECK(text.find(summary) == 9);
    }
    ++records;
  });
  CHECK(records > 400);
  CHECK(with_summary_line > records / 4);  // about half the records show their summary
  CHECK(with_summary_line < records * 3 / 4);
}

TEST_CASE("[storage] rejected = true keeps every dropped record in rejected/ with its filter and reason") {
  testing::TempDir tmp;
  testing::write_file(tmp / "r.toml",
                      "seed = 2\ncount = 800\n[teacher]\nnoise = 0.3\n"
                      "[[filters]]\nkind = \"truncation\"\n[[filters]]\nkind = \"exact_dedup\"\n"
                      "[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.0\n"
                      "[storage]\nrejected = true\nshard_records = 200\n");
  const auto r = run_primer({"run", (tmp / "r.toml").string(), "--out", (tmp / "out").string(), "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  simdjson::dom::parser p;
  simdjson::dom::element m;
  REQUIRE(!p.parse(testing::read_file(tmp / "out" / "manifest.json")).get(m));
  std::map<std::string, uint64_t> expected;  // "filter/reason" → dropped
  uint64_t dropped = 0;
  for (auto f : m["filters"].get_array())
    for (auto [reason, n] : f["dropped"].get_object()) {
      expected[std::string(f["name"].get_string().value()) + "/" + std::string(reason)] += n.get_uint64().value();
      dropped += n.get_uint64().value();
    }
  REQUIRE(dropped > 100);
  std::map<std::string, uint64_t> got;  // every rejected record is a record with a "text" (the reader checks)
  for_each_record_in(tmp / "out" / "rejected", "rejected-", [&](const storage::RecordView& rv) {
    got[std::string(rv.json["rejected_by"].get_string().value()) + "/" +
        std::string(rv.json["reject_reason"].get_string().value())]++;
  });
  // zero-count reasons are listed in the manifest but have no records
  std::erase_if(expected, [](const auto& e) { return e.second == 0; });
  CHECK(got == expected);
}
