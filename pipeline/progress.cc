#include "pipeline/progress.h"

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

namespace primer::pipeline {

std::string clock_time(double seconds) {
  const auto t = static_cast<uint64_t>(seconds + 0.5);
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}

Progress::Progress(std::string label, uint64_t total, uint64_t start, bool enabled)
    : label_(std::move(label)),
      total_(total),
      start_(start),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) == 1),
      interval_(tty_ ? 0.2 : 10.0),
      t0_(Clock::now()),
      last_(t0_) {}

void Progress::update(uint64_t done, uint64_t kept, uint64_t text_bytes) {
  if (!enabled_ || (++calls_ & 7) != 0) return;  // look at the clock every 8 records
  const auto now = Clock::now();
  if (std::chrono::duration<double>(now - last_).count() < interval_) return;
  last_ = now;
  print(done, kept, text_bytes, false);
}

void Progress::finish(uint64_t done, uint64_t kept, uint64_t text_bytes) {
  if (!enabled_) return;
  print(done, kept, text_bytes, true);
}

void Progress::print(uint64_t done, uint64_t kept, uint64_t text_bytes, bool final) {
  const double secs = std::chrono::duration<double>(Clock::now() - t0_).count();
  const double rate = secs > 0 ? double(done - start_) / secs : 0;
  const double mbs = secs > 0 ? double(text_bytes) / 1e6 / secs : 0;
  std::string eta = rate > 0 && done < total_ ? clock_time(double(total_ - done) / rate) : "-";
  std::string line = fmt::format(
      "{}: {}/{} prompts ({:.1f}%) | kept {} | {:.0f} prompts/s | {:.1f} MB/s | elapsed {} | ETA {}", label_,
      with_commas(done), with_commas(total_), total_ ? 100.0 * double(done) / double(total_) : 100.0, with_commas(kept),
      rate, mbs, clock_time(secs), final ? "done" : eta);
  if (note_)
    if (const std::string note = note_(); !note.empty()) line += " | " + note;
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace primer::pipeline
