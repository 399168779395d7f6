// The dataset card: README.md in the Hugging Face style (YAML header that tells the Hub
// which files make which split, then prose on how the data was made).
#pragma once

#include <string>

#include "storage/manifest.h"

namespace primer::storage {

struct CardInfo {
  std::string title;            // "TinyStories-style stories (primer)"
  std::string license = "other";
  std::string prompt_template;  // the template text, shown verbatim
  std::string vocabulary;       // e.g. "vocab/default.txt: 1523 words (...)"
  std::string teacher_note;     // e.g. "built-in offline stand-in (not a language model)"
};

std::string dataset_card(const Manifest& manifest, const CardInfo& info);

}  // namespace primer::storage
