// RateLimiter — the HTTP teacher's requests/min and tokens/min limits: two token buckets
// that start full and refill continuously (a rate of 0 is unlimited), each paused until a
// reset the server announces (x-ratelimit-remaining-* at zero, or below one request's
// max_tokens, with x-ratelimit-reset-*), and the requests bucket also by a 429's
// retry-after. Times are steady-clock seconds; waits are capped at `cap_s`.
//
//   RateLimiter limit(rpm, tpm, max_tokens, cap_s, now);
//   if (limit.wait_for(estimate, now) == 0) { limit.take(estimate); start(); }
//   limit.adapt(response_headers, now);
//
// Thread-safety: none; the teacher's I/O thread owns it.
#pragma once

#include "generators/openai_protocol.h"

namespace primer::generators {

class RateLimiter {
 public:
  // rpm, tpm: per minute, 0 = unlimited. max_tokens: one request's; fewer tokens left than
  // that pauses the tokens bucket.
  RateLimiter(double rpm, double tpm, double max_tokens, double cap_s, double now);
  // Seconds until a request of `tokens` estimated tokens may start (0: now).
  double wait_for(double tokens, double now);
  // A request of `tokens` starts.
  void take(double tokens);
  // Reads the x-ratelimit-* headers of a response.
  void adapt(const Headers& headers, double now);
  // The server asked everyone to wait (a 429 with retry-after): no request before `until`.
  void pause_requests(double until);

 private:
  // A token bucket that starts full; rate 0 means unlimited.
  struct Bucket {
    double per_minute = 0;
    double level = 0;
    double last = 0;
    double paused_until = 0;
    void refill(double t);
    double wait_for(double n, double t);  // seconds until `n` can be taken (0: now)
    void take(double n);
  };
  Bucket requests_, tokens_;
  double max_tokens_;
  double cap_s_;
};

}  // namespace primer::generators
