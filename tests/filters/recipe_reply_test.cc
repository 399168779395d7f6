// The `reply` filter: a recipe's reply read as text, JSON (bare, fenced, with prose) or
// sections; every way it can fail is its own drop reason; required words in any inflection.
#include <doctest/doctest.h>

#include "filters/recipe_reply.h"
#include "tests/support/testing.h"

using namespace primer;
using filters::parse_recipe_reply;
using prompts::ReplyFormat;
using prompts::ReplySpec;

namespace {

ReplySpec json_spec() { return {ReplyFormat::kJson, {"title", "body", "grade"}, "body"}; }
ReplySpec sections_spec() { return {ReplyFormat::kSections, {"Title", "Body"}, "Body"}; }

base::Doc recipe_doc(std::string reply, std::vector<std::string> required = {}) {
  base::Doc d;
  d.prompt.kind = "recipe";
  d.prompt.slots = {{"topic", "dogs"}};
  d.prompt.required = std::move(required);
  d.reply.text = std::move(reply);
  return d;
}

}  // namespace

TEST_CASE("a JSON reply: bare, fenced or with prose; fields in declared order as JSON values") {
  for (
      const std::string& reply : {
          std::string(R"({"grade": 3, "title": "Dogs", "body": "  A dog runs.\n"})"),
          std::string(
              "Sure! Here it is:\n```json\n{\"title\": \"Dogs\", \"body\": \"A dog runs.\", \"grade\": 3}\n```\nEnjoy."),
          std::string("Text {not json} first, then {\"Title\": \"Dogs\", \"BODY\": \"A dog runs.\", \"grade\": 3}"),
      }) {
    CAPTURE(reply);
    const auto p = parse_recipe_reply(reply, json_spec());
    REQUIRE(p.error.empty());
    CHECK(p.text == "A dog runs.");
    REQUIRE(p.fields.size() == 3);
    CHECK(p.fields[0] == std::pair<std::string, std::string>{"title", "\"Dogs\""});
    CHECK(p.fields[1].first == "body");
    CHECK(p.fields[2] == std::pair<std::string, std::string>{"grade", "3"});
  }
  // Objects and arrays keep their JSON text (minified).
  const auto o = parse_recipe_reply(R"({"title": {"a": [1, 2]}, "body": "x", "grade": null, "x": 1})",
                                    {ReplyFormat::kJson, {"title", "body"}, "body"});
  REQUIRE(o.error.empty());
  CHECK(o.fields[0].second == R"({"a":[1,2]})");
}

TEST_CASE("a JSON reply that cannot be used is dropped with its reason") {
  CHECK(parse_recipe_reply("Once upon a time, a dog ran.", json_spec()).error == "not_json");
  CHECK(parse_recipe_reply("{\"title\": \"unterminated", json_spec()).error == "not_json");
  const auto missing = parse_recipe_reply(R"({"title": "Dogs", "grade": 3})", json_spec());
  CHECK(missing.error == "missing_field");
  CHECK(missing.missing == "body");
  CHECK(parse_recipe_reply(R"({"title": "Dogs", "body": null, "grade": 3})", json_spec()).error == "missing_field");
  CHECK(parse_recipe_reply(R"({"title": "Dogs", "body": 7, "grade": 3})", json_spec()).error == "empty_text");
  CHECK(parse_recipe_reply(R"({"title": "Dogs", "body": "  ", "grade": 3})", json_spec()).error == "empty_text");
  // A later object with every field wins over an earlier incomplete one.
  const auto later =
      parse_recipe_reply(R"({"title": "x"} then {"title": "Dogs", "body": "B", "grade": 1})", json_spec());
  CHECK(later.error.empty());
  CHECK(later.text == "B");
}

TEST_CASE("a sections reply: 'Name:' lines, bold labels and markdown headings") {
  const auto a =
      parse_recipe_reply("Sure, here you go.\nTitle: Dogs\nBody: A dog runs.\nIt is fast.\n", sections_spec());
  REQUIRE(a.error.empty());
  CHECK(a.text == "A dog runs.\nIt is fast.");
  CHECK(a.fields[0] == std::pair<std::string, std::string>{"Title", "\"Dogs\""});
  const auto b = parse_recipe_reply("## title\nDogs\n\n**Body:** A dog runs.\n", sections_spec());
  REQUIRE(b.error.empty());
  CHECK(b.fields[0].second == "\"Dogs\"");
  CHECK(b.text == "A dog runs.");
  // "Titles are..." is not a heading; neither is a name without ':' or '#'.
  const auto c = parse_recipe_reply("# Title\nTitles are fun\nBody\nBody: text\n", sections_spec());
  REQUIRE(c.error.empty());
  CHECK(c.fields[0].second == "\"Titles are fun\\nBody\"");
  CHECK(parse_recipe_reply("A dog runs.", sections_spec()).error == "no_sections");
  CHECK(parse_recipe_reply("Title: Dogs\n", sections_spec()).error == "missing_field");
  CHECK(parse_recipe_reply("Title: Dogs\nBody:\n", sections_spec()).error == "empty_text");
}

TEST_CASE("a text reply is all text; an empty one is dropped") {
  const auto t = parse_recipe_reply("A dog runs.", {});
  CHECK(t.error.empty());
  CHECK(t.text == "A dog runs.");
  CHECK(t.fields.empty());
  CHECK(parse_recipe_reply(" \n", {}).error == "empty_text");
}

TEST_CASE("uses_word finds a lemma in any inflection") {
  const auto& v = primer::testing::default_vocabulary();
  CHECK(filters::uses_word(&v, "The dogs ran home.", "dog"));
  CHECK(filters::uses_word(&v, "She went home.", "go"));
  CHECK(filters::uses_word(&v, "A Dog.", "dog"));
  CHECK_FALSE(filters::uses_word(&v, "The cat sat.", "dog"));
  CHECK_FALSE(filters::uses_word(&v, "The doghouse.", "dog"));
  CHECK(filters::uses_word(&v, "A zyzzyva.", "zyzzyva"));  // not in the list: the word itself
}

TEST_CASE("the reply filter rewrites the doc: text, fields; drops by reason; other kinds pass") {
  const auto& v = primer::testing::default_vocabulary();
  filters::FilterContext ctx;
  ctx.vocab = &v;
  const auto f = filters::make_reply_filter(json_spec(), ctx);
  CHECK(f->name() == "reply");
  CHECK(f->rewrites());
  base::Doc d = recipe_doc(R"(```json
{"title": "Dogs", "body": "Two dogs played.", "grade": 2}
```)",
                           {"dog"});
  CHECK(f->rewrite(d).keep());
  CHECK(d.reply.text == "Two dogs played.");
  REQUIRE(d.fields.size() == 3);
  CHECK(d.fields[2] == std::pair<std::string, std::string>{"grade", "2"});

  base::Doc no_word = recipe_doc(R"({"title": "Cats", "body": "A cat sat.", "grade": 2})", {"dog"});
  CHECK(f->rewrite(no_word).reason == "missing_word");
  base::Doc bad = recipe_doc("no json here", {"dog"});
  CHECK(f->check(bad).reason == "not_json");
  CHECK(bad.reply.text == "no json here");  // check() leaves the doc alone
  base::Doc story;
  story.prompt.kind = "tinystories";
  story.reply.text = "no json here";
  CHECK(f->rewrite(story).keep());
  CHECK(story.reply.text == "no json here");
}
