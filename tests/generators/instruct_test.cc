// TinyStories-Instruct: replies parsed in the forms teachers write them (clean, messy,
// unparseable), and the Instruct format of the record text.
#include <doctest/doctest.h>

#include <set>

#include "base/json.h"
#include "generators/instruct.h"

using namespace primer::generators;
namespace base = primer::base;

TEST_CASE("parse_instruct_reply: sections, JSON, markdown, either order") {
  auto p = parse_instruct_reply(
      "Story:\nOnce upon a time, a cat sat.\n\nIt was happy.\n\nSummary: A cat sits and is happy.");
  REQUIRE(p);
  CHECK(p->story == "Once upon a time, a cat sat.\n\nIt was happy.");
  CHECK(p->summary == "A cat sits and is happy.");

  p = parse_instruct_reply(
      "Sure! Here it is.\n\n**Summary:** A dog finds a ball.\n\n**Story:**\nThe dog ran. He found a ball.");
  REQUIRE(p);
  CHECK(p->summary == "A dog finds a ball.");
  CHECK(p->story == "The dog ran. He found a ball.");

  p = parse_instruct_reply("## Story\nTom had a kite.\n\n## Summary\nTom flies a kite.\n\nI hope you like it!");
  REQUIRE(p);
  CHECK(p->story == "Tom had a kite.");
  CHECK(p->summary == "Tom flies a kite.");  // chatter after the summary's paragraph is not kept

  p = parse_instruct_reply("```json\n{\"story\": \"Sue saw a bird.\", \"Summary\": \"Sue and a bird.\"}\n```");
  REQUIRE(p);
  CHECK(p->story == "Sue saw a bird.");
  CHECK(p->summary == "Sue and a bird.");

  // "story" inside a sentence is not a section label
  p = parse_instruct_reply("Story: This story is about a storyteller.\nSummary: A story.");
  REQUIRE(p);
  CHECK(p->story == "This story is about a storyteller.");
}

TEST_CASE("parse_instruct_reply: unparseable replies") {
  CHECK_FALSE(parse_instruct_reply("Once upon a time there was a cat."));
  CHECK_FALSE(parse_instruct_reply("Story:\nA cat sat on a mat."));   // no summary
  CHECK_FALSE(parse_instruct_reply("Story: A cat.\nSummary:   \n"));  // empty summary
  CHECK_FALSE(parse_instruct_reply("{\"story\": \"A cat.\"}"));       // JSON without summary
  CHECK_FALSE(parse_instruct_reply(""));
  CHECK_FALSE(parse_instruct_reply("As an AI language model, I cannot write stories."));
}

TEST_CASE("instruct_text: a deterministic subset of instruction lines, the story last") {
  base::Doc doc;
  doc.prompt.kind = "tinystories-instruct";
  doc.prompt.verb_word = "jump", doc.prompt.noun_word = "ball", doc.prompt.adjective_word = "red";
  doc.prompt.features.add(primer::base::Feature::kDialogue);
  doc.reply.text = "Tom had a red ball. He liked to jump with it. \"Look!\" he said. The end came fast.";
  doc.reply.summary = "Tom plays with his red ball.";
  std::set<std::string> layouts;
  for (uint64_t id = 1; id <= 64; ++id) {
    doc.prompt.id = id;
    std::string sentence;
    const std::string t = instruct_text(doc, &sentence);
    CHECK(t == instruct_text(doc));  // the same id, the same text
    CHECK(t.ends_with("Story: " + doc.reply.text));
    CHECK(doc.reply.text.find(sentence) != std::string::npos);
    CHECK(sentence.front() != '"');
    std::string layout;
    for (const char* label : {"Summary: ", "Features: ", "Sentence: ", "Words: "})
      layout += t.find(std::string("\n") + label) != std::string::npos || t.starts_with(label) ? "1" : "0";
    layouts.insert(layout);
    if (t.find("Words: ") != std::string::npos) CHECK(t.find("Words: jump, ball, red\n") != std::string::npos);
    if (t.find("Features: ") != std::string::npos) CHECK(t.find("Features: Dialogue\n") != std::string::npos);
  }
  CHECK(layouts.size() >= 12);  // 16 subsets exist; 64 ids see most of them
}

TEST_CASE("json_object_candidates: balanced spans, braces inside strings skipped, unclosed ones left out") {
  const auto c = base::json_object_candidates(R"(Note {"a": "}{", "b": {"c": 1}} and {"x": 2 then {broken)");
  REQUIRE(c.size() == 2);
  CHECK(c[0] == R"({"a": "}{", "b": {"c": 1}})");
  CHECK(c[1] == R"({"c": 1})");
  CHECK(base::json_object_candidates("no json here").empty());
}
