// examples/codeexercises.toml with an HTTP teacher instead of the built-in one: the code
// filters run on what a server sends, passing exercises are kept and failing ones dropped
// by their tests.
#include <doctest/doctest.h>

#include <simdjson.h>

#include "base/json.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

using namespace primer;

TEST_CASE("examples/codeexercises.toml runs end to end on an HTTP teacher") {
  testing::FakeOpenAI server;
  server.behaviour = [](const testing::FakeCall& call) {
    testing::FakeReply reply;
    const int64_t n = call.seed < 0 ? 0 : call.seed % 1000;
    const std::string f = "add_" + std::to_string(n);
    // every fifth exercise asserts something false
    const std::string expect = call.seed % 5 == 0 ? std::to_string(n + 4) : std::to_string(n + 3);
    const std::string content = "Here is the solution.\n\n```python\ndef " + f + "(a, b):\n    \"\"\"Add a, b and " +
                                std::to_string(n) + ".\"\"\"\n    return a + b + " + std::to_string(n) +
                                "\n```\n\nAnd the tests:\n\n```python\nassert " + f + "(1, 2) == " + expect +
                                "\nassert " + f + "(0, 0) == " + std::to_string(n) + "\n```\n";
    base::JsonWriter w;
    w.begin_object().field("id", "x").field("object", "chat.completion").key("choices").begin_array().begin_object();
    w.field("index", 0).key("message").begin_object().field("role", "assistant").field("content", content).end_object();
    w.field("finish_reason", "stop").end_object().end_array();
    w.key("usage").begin_object().field("prompt_tokens", 120).field("completion_tokens", 60).end_object().end_object();
    reply.body = w.take();
    reply.billed = true;
    return reply;
  };
  std::string cfg = testing::read_file(testing::source_path("examples/codeexercises.toml"));
  const size_t teacher = cfg.find("[teacher]"), next = cfg.find("[[filters]]", teacher);
  REQUIRE(teacher != std::string::npos);
  cfg.replace(teacher, next - teacher,
              "[teacher]\nkind = \"openai\"\nbase_url = \"" + server.base_url() + "\"\nmodel = \"code-teacher\"\n\n");
  cfg.replace(cfg.find("count = 1000"), 12, "count = 60");
  cfg.replace(cfg.find("examples/eval/code_eval_sample.jsonl"), 36,
              testing::source_path("examples/eval/code_eval_sample.jsonl").string());
  testing::TempDir tmp;
  testing::write_file(tmp / "c.toml", cfg);
  const auto r = testing::run_primer({"run", (tmp / "c.toml").string(), "--out", (tmp / "out").string(), "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  simdjson::dom::parser p;
  simdjson::dom::element m;
  REQUIRE(!p.parse(testing::read_file(tmp / "out" / "manifest.json")).get(m));
  CHECK(m["counts"]["replies"].get_uint64().value() == 60);
  const uint64_t kept = m["counts"]["kept"].get_uint64().value();
  CHECK(kept > 30);
  uint64_t failed = 0;
  for (auto f : m["filters"].get_array())
    if (std::string_view(f["name"].get_string().value()) == "exercise_tests") {
      uint64_t n = 0;
      if (!f["dropped"]["test_failed"].get_uint64().get(n)) failed = n;
    }
  CHECK(failed > 5);  // about a fifth of 60
  CHECK(failed + kept <= 60);
}
