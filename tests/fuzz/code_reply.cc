// A teacher's reply to a code prompt: filters::extract_code_blocks (Markdown fences) and
// normalize_code_tokens (the words the code dedup and decontamination hash).
#include "filters/code_text.h"
#include "filters/text_norm.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = primer::fuzz::as_text(data, size);
  primer::filters::NormalizedWords words;
  for (const auto& block : primer::filters::extract_code_blocks(text)) {
    primer::fuzz::require(
        block.code.data() >= text.data() && block.code.data() + block.code.size() <= text.data() + text.size(),
        "a block is a view into the text");
    (void)primer::filters::is_python_block(block);
    primer::filters::normalize_code_tokens(block.code, words);
  }
  primer::filters::normalize_code_tokens(text, words);
  for (auto [at, n] : words.words)
    primer::fuzz::require(uint64_t{at} + n <= words.text.size(), "words lie in the text");
  return 0;
}
