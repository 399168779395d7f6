// A prompt template file: prompts::PromptTemplate::parse with the TinyStories
// placeholders, then rendering it.
#include "prompts/prompt.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& names = primer::prompts::TinyStoriesSampler::placeholders();
  try {
    const auto t = primer::prompts::PromptTemplate::parse(primer::fuzz::as_text(data, size), "fuzz.txt", names);
    const std::vector<std::string_view> values(names.size(), "{word}");
    (void)t.render(values);
  } catch (const primer::prompts::PromptError&) {
  }
  return 0;
}
