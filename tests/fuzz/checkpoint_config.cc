// A checkpoint's config.json: model::ModelConfig::from_json (validated shape), then what
// loading does with it (the parameter count, the layout).
#include "model/config.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto c = primer::model::ModelConfig::from_json(primer::fuzz::as_text(data, size), "config.json");
    primer::fuzz::require(c.parameter_count() > 0, "a valid config has parameters");
    (void)c.to_json();
  } catch (const primer::model::ModelError&) {
  }
  return 0;
}
