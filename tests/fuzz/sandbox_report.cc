// The bytes that come back from inside the sandbox: the harness's report on fd 3
// (filters::parse_harness_report) and bwrap's --info-fd JSON (parse_bwrap_child_pid).
// Code inside can write either; neither parser may crash, and no pid they return may be
// one that kill() reads as a group or as everyone.
#include "filters/sandbox.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = primer::fuzz::as_text(data, size);
  const auto report = primer::filters::parse_harness_report(bytes);
  primer::fuzz::require(report.covered <= report.lines, "covered statements are among the statements");
  primer::fuzz::require(report.started || report.word.empty(), "no word without a start");
  const pid_t pid = primer::filters::parse_bwrap_child_pid(bytes);
  primer::fuzz::require(pid == 0 || pid > 1, "a pid is a single process, never a group or everyone");
  return 0;
}
