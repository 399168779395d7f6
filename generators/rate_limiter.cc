#include "generators/rate_limiter.h"

#include <algorithm>
#include <optional>
#include <string>

namespace primer::generators {

void RateLimiter::Bucket::refill(double t) {
  if (per_minute <= 0) return;
  level = std::min(per_minute, level + (t - last) * per_minute / 60.0);
  last = t;
}

double RateLimiter::Bucket::wait_for(double n, double t) {
  double w = std::max(0.0, paused_until - t);
  if (per_minute <= 0) return w;
  refill(t);
  const double need = std::min(n, per_minute);  // a request larger than the bucket waits for a full one
  if (level < need) w = std::max(w, (need - level) * 60.0 / per_minute);
  return w;
}

void RateLimiter::Bucket::take(double n) {
  if (per_minute > 0) level -= std::min(n, per_minute);
}

RateLimiter::RateLimiter(double rpm, double tpm, double max_tokens, double cap_s, double now)
    : requests_{rpm, rpm, now}, tokens_{tpm, tpm, now}, max_tokens_(max_tokens), cap_s_(cap_s) {}

double RateLimiter::wait_for(double tokens, double now) {
  return std::max(requests_.wait_for(1, now), tokens_.wait_for(tokens, now));
}

void RateLimiter::take(double tokens) {
  requests_.take(1);
  tokens_.take(tokens);
}

void RateLimiter::pause_requests(double until) { requests_.paused_until = std::max(requests_.paused_until, until); }

void RateLimiter::adapt(const Headers& h, double t) {
  if (h.empty()) return;
  auto num = [&](const char* name) -> std::optional<double> {
    auto it = h.find(name);
    if (it == h.end()) return std::nullopt;
    try {
      return std::stod(it->second);
    } catch (...) {
      return std::nullopt;
    }
  };
  auto reset = [&](const char* name) -> double {
    auto it = h.find(name);
    if (it == h.end()) return 1.0;
    return parse_duration(it->second).value_or(1.0);
  };
  // Azure has sent -1 / 0 placeholders: only a positive reset with remaining 0 pauses.
  if (auto r = num("x-ratelimit-remaining-requests"); r && *r <= 0)
    requests_.paused_until =
        std::max(requests_.paused_until, t + std::min(reset("x-ratelimit-reset-requests"), cap_s_));
  if (auto r = num("x-ratelimit-remaining-tokens"); r && *r < max_tokens_)
    tokens_.paused_until = std::max(tokens_.paused_until, t + std::min(reset("x-ratelimit-reset-tokens"), cap_s_));
}

}  // namespace primer::generators
