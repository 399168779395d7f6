// An unfinished run's journal/state.json (`primer run` resuming): pipeline::RunState::parse.
// What it accepts writes back and reads again unchanged.
#include "pipeline/run.h"
#include "pipeline/run_state.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using primer::pipeline::RunState;
  try {
    const RunState s = RunState::parse(std::string(primer::fuzz::as_text(data, size)), "journal/state.json");
    const std::string json = s.to_json();
    primer::fuzz::require(RunState::parse(json, "again").to_json() == json, "to_json reads back unchanged");
  } catch (const primer::pipeline::RunError&) {
  }
  return 0;
}
