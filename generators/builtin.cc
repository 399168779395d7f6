// PLACEHOLDER — to be replaced by the real story writer.
#include "generators/builtin.h"

namespace primer::generators {
struct BuiltinTeacher::Banks {};
BuiltinTeacher::BuiltinTeacher(const vocab::Vocabulary& vocab, BuiltinOptions options)
    : vocab_(vocab), options_(options), banks_(std::make_unique<Banks>()) {}
BuiltinTeacher::~BuiltinTeacher() = default;
Reply BuiltinTeacher::complete(const prompts::PromptSpec& p) const {
  Reply r;
  r.text = "Once upon a time, a girl wanted to " + p.verb_word + " a " + p.adjective_word + " " + p.noun_word +
           ". \"Look!\" she said. She was happy.";
  return r;
}
}  // namespace primer::generators
