// The train config (TOML): pipeline::parse_train_config, what `primer train CONFIG` reads.
#include "pipeline/config.h"
#include "pipeline/train_config.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)primer::pipeline::parse_train_config(primer::fuzz::as_text(data, size), "fuzz/train.toml");
  } catch (const primer::pipeline::ConfigError&) {
  }
  return 0;
}
