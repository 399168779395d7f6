// A teacher answers prompts. Implementations: BuiltinTeacher (offline, deterministic);
// the HTTP teacher (OpenAI-compatible servers) arrives with its own asynchronous driver.
#pragma once

#include <string>

#include "base/doc.h"

namespace primer::generators {

class Teacher {
 public:
  virtual ~Teacher() = default;
  // Recorded as each Doc's "teacher" field: "builtin", or a model name.
  virtual std::string name() const = 0;
  // Answers one prompt. Must be thread-safe: the pipeline calls it from many threads.
  virtual base::Reply complete(const base::PromptSpec& prompt) const = 0;
  // True when replies cost money or cannot be reproduced, so the pipeline must journal
  // them before anything else happens (the builtin teacher regenerates for free).
  virtual bool journal_replies() const { return true; }
};

}  // namespace primer::generators
