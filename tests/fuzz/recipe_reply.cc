// A teacher's reply to a recipe prompt: filters::parse_recipe_reply in the json and
// sections formats (the first byte picks the format). Nothing may throw; a parsed reply
// has a non-empty text and one JSON value per declared field, in order.
#include <simdjson.h>

#include "filters/recipe_reply.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using primer::prompts::ReplyFormat;
  const primer::prompts::ReplySpec spec{
      data[0] & 1 ? ReplyFormat::kSections : ReplyFormat::kJson, {"title", "body", "answer"}, "body"};
  const std::string_view reply = primer::fuzz::as_text(data + 1, size - 1);
  const auto parsed = primer::filters::parse_recipe_reply(reply, spec);
  if (!parsed.error.empty()) {
    primer::fuzz::require(parsed.fields.empty() && parsed.text.empty(), "a dropped reply has no fields");
    return 0;
  }
  primer::fuzz::require(!parsed.text.empty(), "a parsed reply has a text");
  primer::fuzz::require(parsed.fields.size() == spec.fields.size(), "one value per field");
  simdjson::dom::parser parser;
  for (size_t i = 0; i < parsed.fields.size(); ++i) {
    primer::fuzz::require(parsed.fields[i].first == spec.fields[i], "fields in declared order");
    simdjson::padded_string padded(parsed.fields[i].second);
    simdjson::dom::element e;
    primer::fuzz::require(!parser.parse(padded).get(e), "every field value is JSON");
  }
  return 0;
}
