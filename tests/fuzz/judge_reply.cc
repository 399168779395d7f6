// A judge's answer in `primer eval`: pipeline::parse_scores (a JSON object among prose, or
// "Grammar: 7/10" lines). Grades are values in [1, 10]; nothing may throw.
#include "pipeline/eval.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kStory = {"grammar", "creativity", "consistency"};
  static const std::vector<std::string> kInstruct = {"grammar", "creativity", "consistency", "plot"};
  const std::string_view answer = primer::fuzz::as_text(data, size);
  for (const auto* keys : {&kStory, &kInstruct}) {
    const auto scores = primer::pipeline::parse_scores(answer, *keys);
    if (!scores) continue;
    primer::fuzz::require(scores->size() == keys->size(), "every key is graded");
    for (const auto& [k, v] : *scores) primer::fuzz::require(v >= 1 && v <= 10, "grades lie in [1, 10]");
  }
  return 0;
}
