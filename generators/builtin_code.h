// The built-in teacher's Python: offline lessons (codetextbook) and exercises
// (codeexercises) with real, runnable code, so the code path runs with no network.
//
// Every exercise task of the prompt banks (prompts/code.h) has an implementation here: a
// correct solution and assert-based test cases (checked by tests/generators and by
// re-running kept exercises). A lesson picks one task of its topic's area, shows the
// function and a demo whose printed output is stated, and shapes the prose by audience
// and style. Everything is a pure function of the PromptSpec.
//
// Failures. With noise = p, a share p of replies fails realistically, one kind each:
// syntax errors, failing asserts, infinite loops, missing code blocks (lessons: syntax
// errors and missing blocks). With hostile = q, a share q of exercises attacks the sandbox
// that runs them: a fork bomb, a 4 GB allocation, a network connection, a write outside
// the working directory. Tests and demos use these to show each is dropped with its own
// reason; write_exercise() plants any of them on request.
//
// Thread-safe: no state.
#pragma once

#include <string_view>

#include "base/doc.h"

namespace primer::generators {

enum class CodeFailure : uint8_t {
  kNone,
  kSyntaxError,
  kFailingAssert,
  kInfiniteLoop,
  kMissingCodeBlock,
  // hostile (exercises only)
  kForkBomb,
  kHugeAllocation,
  kNetwork,
  kWriteOutside,
};
inline constexpr int kCodeFailureCount = 9;
std::string_view code_failure_name(CodeFailure f);  // "syntax_error", "fork_bomb", ...

struct CodeOptions {
  double noise = 0.0;    // share of realistic failures
  double hostile = 0.0;  // share of exercises that attack the sandbox
};

// Throws std::invalid_argument naming any exercise task of the banks without an
// implementation (called by the BuiltinTeacher's constructor).
void check_code_tasks();

// The failure the options plant for this prompt (kNone for most).
CodeFailure planned_failure(const base::PromptSpec& prompt, const CodeOptions& options);

// The reply for a code prompt, with the failure planned_failure() picks.
base::Reply write_code_reply(const base::PromptSpec& prompt, const CodeOptions& options);

// An exercise reply (prompt.function_name names the task) with the given failure.
// Throws std::invalid_argument for an unknown function name.
base::Reply write_exercise(const base::PromptSpec& prompt, CodeFailure failure);
// A lesson reply (prompt.topic names the area); failure: kNone, kSyntaxError or
// kMissingCodeBlock.
base::Reply write_lesson(const base::PromptSpec& prompt, CodeFailure failure);

}  // namespace primer::generators
