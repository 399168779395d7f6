// A llama2.c model file (run.c's version-0 layout): model::parse_llama2c.
#include "model/export.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto m = primer::model::parse_llama2c(primer::fuzz::as_text(data, size), "model.bin");
    primer::fuzz::require(m.weights.size() == static_cast<size_t>(m.config.parameter_count()),
                          "weights fill the model");
  } catch (const primer::model::ModelError&) {
  }
  return 0;
}
