// SIGINT/SIGTERM during a long command (`primer run`, `primer train`): the first signal
// sets a flag the work polls, so it stops at its next safe point (a checkpoint); a second
// one leaves at once with exit code 130. While a StopOnSignals lives its handlers are
// installed; the previous ones come back when it goes out of scope.
#pragma once

#include <atomic>

namespace primer::pipeline {

// The flag the handlers set (process-wide).
std::atomic<bool>& stop_flag();

class StopOnSignals {
 public:
  StopOnSignals();  // clears the flag, installs the handlers
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  void (*old_int_)(int);
  void (*old_term_)(int);
};

}  // namespace primer::pipeline
