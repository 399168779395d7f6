#include "pipeline/stop_signal.h"

#include <csignal>
#include <cstdlib>

namespace primer::pipeline {

std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
extern "C" void on_stop_signal(int) {
  if (stop_flag().exchange(true)) std::_Exit(130);
}
}  // namespace

StopOnSignals::StopOnSignals() {
  stop_flag().store(false);
  old_int_ = std::signal(SIGINT, on_stop_signal);
  old_term_ = std::signal(SIGTERM, on_stop_signal);
}

StopOnSignals::~StopOnSignals() {
  std::signal(SIGINT, old_int_);
  std::signal(SIGTERM, old_term_);
}

}  // namespace primer::pipeline
