// A checkpoint's state.json: model::parse_train_state (resume) and recorded_checksums
// (the sha256 of model.bin / optim.bin checked on load).
#include "model/checkpoint.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(primer::fuzz::as_text(data, size));
  (void)primer::model::recorded_checksums(json);  // never throws: unreadable → none
  try {
    (void)primer::model::parse_train_state(json, "state.json");
  } catch (const primer::model::ModelError&) {
  }
  return 0;
}
