// The run config (TOML): pipeline::parse_config, what `primer run CONFIG` reads first.
#include "pipeline/config.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)primer::pipeline::parse_config(primer::fuzz::as_text(data, size), "fuzz/run.toml");
  } catch (const primer::pipeline::ConfigError&) {
  }
  return 0;
}
