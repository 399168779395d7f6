// Progress on stderr for long runs: a single updating line on a terminal, a plain line
// every `interval` seconds otherwise (logs, CI). Called from the pipeline's serial
// stage only; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/text.h"
#include "storage/manifest.h"

namespace primer::pipeline {

class Progress {
 public:
  // `total` prompts in the run, `start` of them already done by an earlier session.
  Progress(std::string label, uint64_t total, uint64_t start, bool enabled);
  void update(uint64_t done, uint64_t kept, uint64_t text_bytes);
  // Prints the final state and ends the line on a terminal.
  void finish(uint64_t done, uint64_t kept, uint64_t text_bytes);
  // Extra text appended to every line (e.g. the HTTP teacher's in-flight and spend).
  void set_note(std::function<std::string()> note) { note_ = std::move(note); }

 private:
  void print(uint64_t done, uint64_t kept, uint64_t text_bytes, bool final);

  using Clock = std::chrono::steady_clock;
  std::string label_;
  uint64_t total_, start_;
  bool enabled_, tty_;
  double interval_;
  Clock::time_point t0_, last_;
  uint64_t calls_ = 0;
  std::function<std::string()> note_;
};

using base::with_commas;  // "1,234,567"
// "1:02:03" or "2:03"
std::string clock_time(double seconds);

}  // namespace primer::pipeline
