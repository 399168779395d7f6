// A teacher's reply to a TinyStories-Instruct prompt: generators::parse_instruct_reply
// (JSON, fenced JSON, or Story:/Summary: sections), and the JSON-object finder it and the
// judge parser share. Nothing may throw.
#include "base/json.h"
#include "generators/instruct.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view reply = primer::fuzz::as_text(data, size);
  if (auto parts = primer::generators::parse_instruct_reply(reply))
    primer::fuzz::require(!parts->story.empty(), "a parsed reply has a story");
  for (std::string_view c : primer::base::json_object_candidates(reply)) {
    primer::fuzz::require(c.data() >= reply.data() && c.data() + c.size() <= reply.data() + reply.size(),
                          "candidates are views into the reply");
    primer::fuzz::require(c.size() >= 2 && c.front() == '{' && c.back() == '}', "candidates are {...}");
  }
  return 0;
}
