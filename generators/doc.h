// The record that travels from the teacher to the shard (docs/architecture.md, "A record's
// life in `primer run`"). Filters read it; storage serialises it as one JSON line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prompts/prompt.h"

namespace primer::generators {

struct Usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

// What a teacher returns for one prompt.
struct Reply {
  std::string text;
  std::string finish_reason = "stop";  // "stop", or "length" when cut at max_tokens
  std::string summary;  // Instruct kind: the parsed summary (the text is then the story)
  Usage usage;
};

struct Doc {
  prompts::PromptSpec prompt;  // id, index, kind, required words, features, prompt text
  std::string teacher;         // "builtin", or the model name of an HTTP teacher
  Reply reply;
  // Fields a filter attaches to the record, written after the standard ones: the key and
  // its value as JSON (exercise_tests: "asserts": 3, "coverage": 0.875).
  std::vector<std::pair<std::string, std::string>> fields;

  uint64_t id() const { return prompt.id; }
  const std::string& text() const { return reply.text; }
};

}  // namespace primer::generators
