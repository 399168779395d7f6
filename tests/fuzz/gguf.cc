// A GGUF model file (`primer sample|eval|serve|inspect model.gguf`): model::parse_gguf.
#include "model/export.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto m = primer::model::parse_gguf(primer::fuzz::as_text(data, size), "model.gguf");
    primer::fuzz::require(m.weights.size() == static_cast<size_t>(m.config.parameter_count()),
                          "weights fill the model");
  } catch (const primer::model::ModelError&) {
  } catch (const primer::model::TokenizerError&) {
  }
  return 0;
}
