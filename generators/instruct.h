// TinyStories-Instruct (the prompt kind whose reply shape is kInstruct): one request asks the
// teacher for a story and a one- or two-sentence summary; the record's text is the
// Instruct format TinyStories trained on, with a random subset of the instruction lines
// (deterministic per prompt id):
//
//   Summary: Lily finds a shiny stone and shares it with her friend.
//   Features: Dialogue, Twist
//   Sentence: She held the stone up to the sun.
//   Words: shine, stone, shiny
//   Story: Once upon a time, ...
//
// Replies are parsed robustly: a JSON object with "story" and "summary" (bare or in a
// ``` block), or "Story:" and "Summary:" sections in either order (markdown bold, a
// heading mark or a blank line after the label are fine). Anything else is an
// unparseable reply: the `instruct` filter drops it with that reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/doc.h"

namespace primer::generators {

struct InstructParts {
  std::string story, summary;
};
std::optional<InstructParts> parse_instruct_reply(std::string_view reply);

// The reply the built-in teacher gives for an Instruct prompt (story + summary), in the
// sections form or, for a third of the ids, as JSON.
std::string format_instruct_reply(const base::PromptSpec& p, std::string_view story, std::string_view summary);

// The narration of a story as sentences: split after one of `marks` followed by a space,
// a newline or the end, leading whitespace trimmed; empty pieces and sentences that open
// a quotation left out, so quoted speech is never taken for narration.
std::vector<std::string_view> narrative_sentences(std::string_view story, std::string_view marks = ".!?");

// A sentence of the story chosen by the prompt id (the "Sentence:" line).
std::string pick_sentence(std::string_view story, uint64_t id);

// The record text in the Instruct format (doc.reply.text is the story, reply.summary the
// summary); `sentence` receives the chosen sentence.
std::string instruct_text(const base::Doc& doc, std::string* sentence = nullptr);

}  // namespace primer::generators
