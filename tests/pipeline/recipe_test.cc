// A recipe written only in TOML and text files: config errors, the inputs a resume
// checks, `primer prompts`, and a whole run against an HTTP teacher whose JSON replies
// are sometimes malformed, incomplete or without the required word.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "base/json.h"
#include "pipeline/config.h"
#include "pipeline/report.h"
#include "pipeline/run.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/reader.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;
using primer::testing::FakeCall;
using primer::testing::FakeOpenAI;
using primer::testing::FakeReply;
using primer::testing::TempDir;
using primer::testing::write_file;

namespace {

const char* kTemplate = "Write a short lesson about <<{topic}>> for {audience}. Use the word [{word}].\n";

// The recipe's files in `dir`, and its config with `extra` appended (before [reply]).
std::string recipe_config(
    const TempDir& dir, const std::string& teacher, const std::string& slots_extra = "",
    const std::string& reply = "[reply]\nformat = \"json\"\nfields = [\"title\", \"body\"]\ntext = \"body\"\n") {
  write_file(dir / "lesson.txt", kTemplate);
  write_file(dir / "topics.txt", "# topics\nmagnets\t2\nvolcanoes\nthe moon\t0.5\n");
  write_file(dir / "words.txt", "dog noun\ncat noun\nbird noun\nrun verb\nbig adj\n");
  return "seed = 9\ncount = 60\n"
         "[prompts]\nkind = \"recipe\"\ntemplate = \"lesson.txt\"\ncover = [\"topic\", \"audience\"]\n"
         "[prompts.slots.topic]\nfile = \"topics.txt\"\n"
         "[prompts.slots.audience]\nvalues = [\"children\", \"adults\"]\nweights = [2, 1]\n"
         "[prompts.slots.word]\nvocab = \"words.txt\"\npos = \"noun\"\nrequire = true\n" +
         slots_extra + reply + teacher + "[storage]\nshard_records = 1000\nvalidation_fraction = 0\n";
}

std::string error_of(const std::string& toml, const TempDir& dir) {
  write_file(dir / "r.toml", toml);
  try {
    const auto c = pipeline::load_config(dir / "r.toml");
    pipeline::make_sampler(c, primer::testing::default_vocabulary());
  } catch (const pipeline::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string between(const std::string& s, const std::string& open, const std::string& close) {
  const size_t a = s.find(open);
  if (a == std::string::npos) return {};
  const size_t b = s.find(close, a + open.size());
  return b == std::string::npos ? std::string() : s.substr(a + open.size(), b - a - open.size());
}

std::string chat_body(const std::string& content) {
  std::string body =
      R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":)";
  base::append_json_string(body, content);
  body += R"(},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":40,"total_tokens":70}})";
  return body;
}

}  // namespace

TEST_CASE("recipe config errors name the file, the key and the slot") {
  TempDir dir;
  const std::string teacher;
  CHECK(error_of(recipe_config(dir, teacher, "colour = 1\n"), dir).find("unknown key 'prompts.slots.word.colour'") !=
        std::string::npos);
  {
    std::string c = recipe_config(dir, teacher);
    c.replace(c.find("weights = [2, 1]"), 16, "weights = [2, 1, 3]");
    const std::string e = error_of(c, dir);
    CHECK(e.find((dir / "r.toml").string() + ":") == 0);
    CHECK(e.find("prompts.slots.audience.weights has 3 numbers for 2 values") != std::string::npos);
  }
  {
    const std::string c = recipe_config(dir, teacher);
    write_file(dir / "r.toml", c);
    write_file(dir / "lesson.txt", "About {topic} for {audience} with {word} in {style}.");
    try {
      pipeline::make_sampler(pipeline::load_config(dir / "r.toml"), primer::testing::default_vocabulary());
      FAIL("no error");
    } catch (const pipeline::ConfigError& e) {
      CHECK(std::string(e.what()).find("lesson.txt: placeholder {style} is not a declared slot") != std::string::npos);
    }
    write_file(dir / "lesson.txt", "About {topic} with {word}.");
    try {
      pipeline::make_sampler(pipeline::load_config(dir / "r.toml"), primer::testing::default_vocabulary());
      FAIL("no error");
    } catch (const pipeline::ConfigError& e) {
      CHECK(std::string(e.what()).find("slot 'audience' ([prompts.slots.audience]) is never used") !=
            std::string::npos);
    }
  }
  {
    const std::string c = recipe_config(dir, teacher);
    write_file(dir / "r.toml", c);
    write_file(dir / "topics.txt", "# only a comment\n\n");
    try {
      pipeline::make_sampler(pipeline::load_config(dir / "r.toml"), primer::testing::default_vocabulary());
      FAIL("no error");
    } catch (const pipeline::ConfigError& e) {
      CHECK(std::string(e.what()).find("topics.txt: the slot file has no values") != std::string::npos);
    }
    write_file(dir / "topics.txt", "magnets\t-1\n");
    try {
      pipeline::make_sampler(pipeline::load_config(dir / "r.toml"), primer::testing::default_vocabulary());
      FAIL("no error");
    } catch (const pipeline::ConfigError& e) {
      CHECK(std::string(e.what()).find("topics.txt:1: weight '-1' is not a positive number") != std::string::npos);
    }
  }
  CHECK(error_of(recipe_config(dir, teacher, "", "[reply]\nformat = \"json\"\nfields = [\"title\"]\ntext = \"body\"\n"),
                 dir)
            .find("reply.text 'body' is not one of the fields") != std::string::npos);
  CHECK(error_of(recipe_config(dir, teacher, "", "[reply]\nformat = \"yaml\"\n"), dir).find("reply.format must be") !=
        std::string::npos);
  CHECK(error_of(recipe_config(dir, teacher, "", "[reply]\nfields = [\"a\"]\n"), dir)
            .find("reply.fields needs format = \"json\" or \"sections\"") != std::string::npos);
  CHECK(error_of("[prompts]\nkind = \"recipe\"\n[prompts.slots.a]\nvalues = [\"x\"]\n", dir).find("needs a template") !=
        std::string::npos);
  CHECK(error_of("[reply]\nformat = \"json\"\n", dir).find("[reply] is for [prompts] kind = \"recipe\" only") !=
        std::string::npos);
  CHECK(
      error_of(
          "[prompts]\nkind = \"recipe\"\ntemplate = \"x.txt\"\n[prompts.slots.a]\nvalues = [\"x\"]\nvocab = \"w.txt\"\n",
          dir)
          .find("needs exactly one of file, values, vocab") != std::string::npos);
  CHECK(error_of(recipe_config(dir, teacher).replace(0, 0, "") + "", dir) == "(no error)");
  {
    std::string c = recipe_config(dir, teacher);
    c.replace(c.find("cover = [\"topic\", \"audience\"]"), 29, "cover = [\"topic\", \"word\"]");
    CHECK(error_of(c, dir).find("prompts.cover names 'word', which draws from a vocabulary") != std::string::npos);
  }
}

TEST_CASE("a recipe's template, slot files and slot vocabulary are inputs a resume checks") {
  TempDir dir;
  write_file(dir / "r.toml", recipe_config(dir, ""));
  const auto config = pipeline::load_config(dir / "r.toml");
  std::vector<std::string> keys;
  for (const auto& [key, path] : config.input_files) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"vocab.list", "prompts.template", "prompts.slots.topic.file",
                                         "prompts.slots.word.vocab"});
  const auto before = pipeline::hash_inputs(config);
  write_file(dir / "topics.txt", "magnets\nvolcanoes\n");
  CHECK(pipeline::changed_input(before, pipeline::hash_inputs(config)).find("the slot file ") == 0);
}

TEST_CASE("a recipe end to end against an HTTP teacher: slots, fields, cover, drops by reason, primer prompts") {
  FakeOpenAI server;
  std::mutex mu;
  std::map<std::string, int> category;  // prompt -> 0 malformed, 1 no body, 2 no word, 3 good
  server.behaviour = [&](const FakeCall& c) {
    FakeReply r;
    r.billed = true;
    const std::string topic = between(c.body, "<<", ">>"), word = between(c.body, "the word [", "]");
    int cat = static_cast<int>(std::hash<std::string>{}(topic + word + c.body) % 8);
    cat = cat >= 3 ? 3 : cat;
    {
      const std::lock_guard lock(mu);
      category[c.body] = cat;
    }
    std::string content;
    if (cat == 0) content = "I'm sorry, here is a lesson: {\"title\": \"" + topic + "\", \"body\": ";
    else if (cat == 1) content = "{\"title\": \"" + topic + "\", \"text\": \"The " + word + "s learn.\"}";
    else if (cat == 2)
      content = "```json\n{\"title\": \"" + topic + "\", \"body\": \"A lesson about " + topic + ".\"}\n```";
    else
      content = "Here is the lesson.\n```json\n{\"title\": \"" + topic + "\", \"body\": \"Two " + word +
                "s learn about " + topic + ".\"}\n```\n";
    r.body = chat_body(content);
    return r;
  };
  TempDir dir;
  const std::string teacher = "[teacher]\nkind = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \"" +
                              server.base_url() + "\"\nmax_in_flight = 8\nmax_attempts = 1\n";
  write_file(dir / "r.toml", recipe_config(dir, teacher));
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  const auto config = pipeline::load_config(dir / "r.toml");
  const auto report = pipeline::run(config, o);

  int expected[4] = {0, 0, 0, 0};
  for (const auto& [body, cat] : category) ++expected[cat];
  REQUIRE(category.size() == 60);
  CHECK(expected[0] > 0);
  CHECK(expected[1] > 0);
  CHECK(expected[2] > 0);
  CHECK(expected[3] > 0);
  const storage::FilterReport* reply = nullptr;
  for (const auto& f : report.manifest.filters)
    if (f.name == "reply") reply = &f;
  REQUIRE(reply);
  std::map<std::string, uint64_t> dropped;
  for (const auto& d : reply->dropped) dropped[d.reason] = d.count;
  CHECK(dropped["not_json"] == uint64_t(expected[0]));
  CHECK(dropped["missing_field"] == uint64_t(expected[1]));
  CHECK(dropped["missing_word"] == uint64_t(expected[2]));
  CHECK(dropped.count("no_sections") == 1);  // every reason listed, zeros too
  CHECK(report.manifest.kept == uint64_t(expected[3]));

  // Records: "slots" with every slot, the reply's fields as keys, text = body.
  uint64_t records = 0;
  simdjson::dom::parser parser;
  for (const auto& e : fs::directory_iterator(dir / "out/data"))
    storage::read_lines(e.path(), [&](std::string_view line) {
      ++records;
      simdjson::padded_string padded(line);
      simdjson::dom::element rec = parser.parse(padded);
      const std::string_view text = rec["text"].get_string().value();
      CHECK(rec["kind"].get_string().value() == "recipe");
      CHECK(rec["body"].get_string().value() == text);
      const std::string_view topic = rec["slots"]["topic"].get_string().value();
      const std::string_view word = rec["slots"]["word"].get_string().value();
      CHECK(rec["title"].get_string().value() == topic);
      CHECK(text.find(std::string(word) + "s") != std::string_view::npos);
      const std::string_view audience = rec["slots"]["audience"].get_string().value();
      CHECK((audience == "children" || audience == "adults"));
    });
  CHECK(records == uint64_t(expected[3]));

  // The first |topic| x |audience| prompts cover every pair once.
  const auto sampler = pipeline::make_sampler(config, primer::testing::default_vocabulary());
  std::set<std::pair<std::string, std::string>> pairs;
  for (uint64_t i = 0; i < 6; ++i) {
    const auto p = sampler->sample(config.seed, i);
    pairs.emplace(p.slots[0].second, p.slots[1].second);
  }
  CHECK(pairs.size() == 6);

  // primer prompts: deterministic, and a range is a slice of a longer listing.
  const auto a = primer::testing::run_primer({"prompts", (dir / "r.toml").string(), "--count", "8", "--json"});
  const auto b = primer::testing::run_primer({"prompts", (dir / "r.toml").string(), "--count", "8", "--json"});
  const auto c =
      primer::testing::run_primer({"prompts", (dir / "r.toml").string(), "--start", "5", "--count", "3", "--json"});
  REQUIRE(a.exit_code == 0);
  CHECK(a.out == b.out);
  std::vector<std::string> lines;
  for (size_t p = 0, q; (q = a.out.find('\n', p)) != std::string::npos; p = q + 1)
    lines.push_back(a.out.substr(p, q - p + 1));
  REQUIRE(lines.size() == 8);
  CHECK(c.out == lines[5] + lines[6] + lines[7]);
  const auto first = parser.parse(simdjson::padded_string(lines[0])).value();
  CHECK(first["index"].get_uint64().value() == 0);
  CHECK(first["prompt"].get_string().value() == sampler->sample(config.seed, 0).text);
  CHECK(first["slots"]["topic"].get_string().value() == sampler->sample(config.seed, 0).slots[0].second);
  const auto text_out = primer::testing::run_primer({"prompts", (dir / "r.toml").string(), "--count", "2"});
  CHECK(text_out.exit_code == 0);
  CHECK(text_out.out.find("--- prompt 1 (id ") != std::string::npos);
}

TEST_CASE("a recipe runs offline with the built-in teacher, in every reply format") {
  for (const std::string& reply :
       {std::string("[reply]\nformat = \"json\"\nfields = [\"title\", \"body\"]\ntext = \"body\"\n"),
        std::string("[reply]\nformat = \"sections\"\nfields = [\"Title\", \"Body\"]\ntext = \"Body\"\n"),
        std::string("")}) {
    CAPTURE(reply);
    TempDir dir;
    write_file(dir / "r.toml", recipe_config(dir, "", "", reply));
    pipeline::RunOptions o;
    o.out = dir / "out";
    o.progress = false;
    const auto report = pipeline::run(pipeline::load_config(dir / "r.toml"), o);
    CHECK(report.manifest.kept == 60);
  }
}

TEST_CASE("the report shows every slot's distribution and the coverage of the cover set") {
  TempDir dir;
  std::string c = recipe_config(dir, "");
  c.replace(c.find("count = 60"), 10, "count = 12");
  write_file(dir / "r.toml", c);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  pipeline::run(pipeline::load_config(dir / "r.toml"), o);
  pipeline::ReportOptions ro;
  pipeline::write_report(dir / "out", dir / "report.html", ro);
  const std::string html = primer::testing::read_file(dir / "report.html");
  // 12 prompts: two passes over the 3 x 2 pairs (validation_fraction = 0: all in train).
  CHECK(html.find("Cover set topic × audience: <b>6</b> of the 6 combinations") != std::string::npos);
  CHECK(html.find("each 2 to 2 times") != std::string::npos);
  for (const char* slot : {"<h4>topic</h4>", "<h4>audience</h4>", "<h4>word</h4>", "Documents per value of audience"})
    CHECK(html.find(slot) != std::string::npos);
}

TEST_CASE("examples/recipes/math.toml against an HTTP teacher: fields reach the answer filter") {
  FakeOpenAI server;
  std::atomic<int> wrong{0};
  server.behaviour = [&](const FakeCall& c) {
    FakeReply r;
    r.billed = true;
    const uint64_t h = std::hash<std::string>{}(c.body);
    const int a = static_cast<int>(h % 9) + 2, b = static_cast<int>(h / 9 % 7) + 3;
    const bool bad = h % 4 == 0;
    if (bad) ++wrong;
    r.body = chat_body("{\"question\": \"Sam has " + std::to_string(a) + " bags of " + std::to_string(b) +
                       " apples. How many apples?\", \"expression\": \"" + std::to_string(a) + " * " +
                       std::to_string(b) + "\", \"answer\": " + std::to_string(a * b + (bad ? 1 : 0)) + "}");
    return r;
  };
  std::string cfg = primer::testing::read_file(primer::testing::source_path("examples/recipes/math.toml"));
  cfg.replace(cfg.find("count = 1200"), 12, "count = 80");
  const std::string math_template = primer::testing::source_path("examples/recipes/math.txt").string();
  cfg.replace(cfg.find("math.txt"), 8, math_template);
  cfg.replace(cfg.find("http://127.0.0.1:8000/v1"), 24, server.base_url());
  TempDir dir;
  write_file(dir / "math.toml", cfg);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  const auto report = pipeline::run(pipeline::load_config(dir / "math.toml"), o);
  std::map<std::string, uint64_t> answer;
  for (const auto& f : report.manifest.filters)
    if (f.name == "answer")
      for (const auto& d : f.dropped) answer[d.reason] = d.count;
  CHECK(wrong.load() > 0);
  CHECK(answer["mismatch"] == uint64_t(wrong.load()));
  CHECK(answer["missing_field"] == 0);
  CHECK(report.manifest.kept + uint64_t(wrong.load()) + [&] {
    uint64_t dups = 0;
    for (const auto& f : report.manifest.filters)
      if (f.name == "exact_dedup") dups = f.dropped_total();
    return dups;
  }() == 80);
}

TEST_CASE("examples/recipes/zh-stories.toml against an HTTP teacher: listed words pass, one unlisted word drops") {
  FakeOpenAI server;
  std::atomic<int> unlisted{0};
  server.behaviour = [&](const FakeCall& c) {
    // The prompt asks for "{noun}" and "{verb}" (JSON-escaped quotes in the request).
    auto between = [&](std::string_view from, std::string_view to) {
      const size_t a = c.body.find(from);
      const size_t b = a == std::string::npos ? a : c.body.find(to, a + from.size());
      return b == std::string::npos ? std::string() : c.body.substr(a + from.size(), b - a - from.size());
    };
    const std::string noun = between("用到\\\"", "\\\"和"), verb = between("和\\\"", "\\\"这两个词");
    const bool bad = std::hash<std::string>{}(c.body) % 4 == 0;
    if (bad) ++unlisted;
    FakeReply r;
    r.billed = true;
    r.body = chat_body("标题: 小明的一天\n故事: 有一天，小明和妈妈去公园。小明看见一只小猫。" + noun + "。" + verb +
                       "。" + (bad ? "他们看见了恐龙。" : "他们一起玩了很久。"));
    return r;
  };
  std::string cfg = primer::testing::read_file(primer::testing::source_path("examples/recipes/zh-stories.toml"));
  cfg.replace(cfg.find("count = 2000"), 12, "count = 60");
  cfg.replace(cfg.find("\"zh-stories.txt\""), 16,
              "\"" + primer::testing::source_path("examples/recipes/zh-stories.txt").string() + "\"");
  cfg.replace(cfg.find("http://127.0.0.1:8000/v1"), 24, server.base_url());
  TempDir dir;
  write_file(dir / "zh.toml", cfg);
  pipeline::RunOptions o;
  o.out = dir / "out";
  o.progress = false;
  const auto report = pipeline::run(pipeline::load_config(dir / "zh.toml"), o);
  std::map<std::string, uint64_t> dropped;
  for (const auto& f : report.manifest.filters)
    for (const auto& d : f.dropped) dropped[f.name + "/" + d.reason] += d.count;
  REQUIRE(unlisted.load() > 0);
  CHECK(dropped["vocab/oov_rate"] == uint64_t(unlisted.load()));  // max_oov_rate = 0
  CHECK(dropped["reply/missing_word"] == 0);                      // the required noun and verb were found
  CHECK(dropped["script/wrong_script"] + dropped["script/no_letters"] == 0);
  CHECK(dropped["truncation/no_terminal_punct"] == 0);  // 。 ends a sentence
  CHECK(report.manifest.kept + uint64_t(unlisted.load()) + dropped["exact_dedup/duplicate"] == 60);
  // The kept stories read with no out-of-vocabulary word; the dropped one names 恐龙.
  const std::string list = primer::testing::source_path("examples/recipes/zh/words.txt").string();
  std::vector<std::string> check{primer::testing::primer_binary(), "vocab", "check", list};
  for (const auto& e : fs::directory_iterator(dir / "out/data")) check.push_back(e.path().string());
  const auto kept = primer::testing::run_command(check);
  INFO(kept.out << kept.err);
  CHECK(kept.exit_code == 0);
  CHECK(kept.out.find("oov tokens      0 (0.00%)") != std::string::npos);
  write_file(dir / "bad.jsonl", "{\"text\":\"有一天，小明和妈妈去公园。他们看见了恐龙。\"}\n");
  const auto bad = primer::testing::run_command(
      {primer::testing::primer_binary(), "vocab", "check", list, (dir / "bad.jsonl").string()});
  CHECK(bad.out.find("1  恐龙") != std::string::npos);
}
