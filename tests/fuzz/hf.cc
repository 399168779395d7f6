// A Hugging Face transformers export (`primer sample|serve|inspect|eval DIR`):
// model::parse_hf. One input is DIR/config.json's bytes, a NUL byte, then
// DIR/model.safetensors' bytes (no NUL byte: the whole input is config.json, no tensors).
#include "model/export_hf.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = primer::fuzz::as_text(data, size);
  const size_t nul = input.find('\0');
  const std::string_view config = input.substr(0, nul);
  const std::string_view tensors = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  try {
    const auto m = primer::model::parse_hf(config, tensors, "model");
    primer::fuzz::require(m.weights.size() == static_cast<size_t>(m.config.parameter_count()),
                          "weights fill the model");
  } catch (const primer::model::ModelError&) {
  }
  return 0;
}
