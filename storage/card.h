// The dataset card: README.md in the Hugging Face style (YAML header that tells the Hub
// which files make which split, then prose on how the data was made).
#pragma once

#include <string>

#include "storage/manifest.h"

namespace primer::storage {

struct CardInfo {
  std::string title;  // "TinyStories-style stories (primer)"
  std::string license = "other";
  std::string prompt_template;  // the template text, shown verbatim
  std::string vocabulary;       // e.g. "vocab/default.txt: 1523 words (...)"
  std::string teacher_note;     // e.g. "built-in offline stand-in (not a language model)"
};

// The card. Sections: YAML header, summary, how it was made (teacher, vocabulary, usage
// and cost, prompt template, filter table, deduplication figures), files, and — when the
// manifest has them — tokens (tokenizer, token count per split, token shards).
std::string dataset_card(const Manifest& manifest, const CardInfo& info);

// The "## Tokens" section alone ("" without a tokenizer or token shards). It is always
// the last section of a card.
std::string card_tokens_section(const Manifest& manifest);

// `card` with its tokens section replaced by (or, if it has none, followed by) the one
// of `manifest`: how `primer tokenizer encode` updates an existing dataset's README.md.
std::string update_card_tokens(const std::string& card, const Manifest& manifest);

}  // namespace primer::storage
