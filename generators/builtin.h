// BuiltinTeacher — an offline stand-in for a real LLM, so that every part of primer runs
// with no network: demos, tests, benchmarks. It is NOT a language model; it assembles
// stories from hand-written sentence banks.
//
// For a TinyStories prompt it writes a 3–5 paragraph story that
//   - uses the prompt's verb, noun and adjective (in some inflection),
//   - realises every requested feature (quoted dialogue, a bad ending, a moral, a plot
//     twist, foreshadowing with its payoff, a conflict),
//   - uses only words of the vocabulary it was given (its banks are checked against it),
//   - varies names, settings, openings and plots, so stories are not near-copies.
// The story is a pure function of (vocabulary, options, prompt id and spec).
//
// With noise = p > 0, a share p of replies is realistically bad, as a real teacher's
// would be: out-of-vocabulary words, text cut off mid-sentence (finish_reason "length"),
// a canned story that ignores the prompt (exact duplicates across prompts), and
// near-duplicates of a template story.
//
// Code prompts (codetextbook, codeexercises) go to builtin_code.h: runnable Python lessons
// and exercises, with their own realistic failures (noise) and sandbox attacks (hostile).
//
// A recipe prompt gets a generic English reply in the declared [reply] format (a JSON
// object, fenced for every other id; or sections) that names every slot value, the
// required words included, so that a recipe runs offline end to end. It is a stand-in for
// trying the plumbing, not data worth training on.
//
// Immutable after construction; complete() is thread-safe.
#pragma once

#include <memory>

#include "generators/teacher.h"
#include "prompts/recipe.h"
#include "vocab/vocabulary.h"

namespace primer::generators {

struct BuiltinOptions {
  double noise = 0.0;             // 0..1: share of replies that are deliberately bad
  double hostile = 0.0;           // 0..1: code exercises only: share that attack the sandbox
  prompts::ReplySpec reply = {};  // recipes: the format of the generic reply
};

class BuiltinTeacher final : public Teacher {
 public:
  // The vocabulary must outlive the teacher. Throws std::invalid_argument if the
  // vocabulary lacks the words the sentence banks need (the message lists them).
  BuiltinTeacher(const vocab::Vocabulary& vocab, BuiltinOptions options);
  ~BuiltinTeacher() override;

  std::string name() const override { return "builtin"; }
  base::Reply complete(const base::PromptSpec& prompt) const override;
  bool journal_replies() const override { return false; }

 private:
  struct Banks;  // parsed sentence banks, name pools, canned stories (builtin.cc)

  // The clean story for a prompt: a pure function of the vocabulary and the spec.
  std::string write_story(const base::PromptSpec& prompt) const;

  const vocab::Vocabulary& vocab_;
  BuiltinOptions options_;
  std::unique_ptr<const Banks> banks_;
};

}  // namespace primer::generators
