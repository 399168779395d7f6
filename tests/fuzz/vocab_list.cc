// A vocabulary list (vocab/default.txt's format): vocab::Vocabulary::parse, then scoring a
// text against it as the vocab filter does.
#include "tests/fuzz/fuzz.h"
#include "vocab/vocabulary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto v = primer::vocab::Vocabulary::parse(primer::fuzz::as_text(data, size), "fuzz.txt");
    const auto c = v.score("Once upon a time, Lily's dog ran to the park. They were happy!");
    primer::fuzz::require(c.oov_tokens <= c.tokens, "out-of-vocabulary tokens are tokens");
  } catch (const primer::vocab::VocabError&) {
  }
  return 0;
}
