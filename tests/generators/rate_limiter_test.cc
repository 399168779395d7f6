// The HTTP teacher's request and token buckets, and the pauses servers ask for, on a
// clock the test sets (steady seconds).
#include <doctest/doctest.h>

#include "generators/rate_limiter.h"

using namespace primer::generators;

TEST_CASE("rate limiter: rate 0 is unlimited") {
  RateLimiter limit(0, 0, 512, 120, 100.0);
  for (int i = 0; i < 1000; ++i) {
    CHECK(limit.wait_for(1e6, 100.0) == 0);
    limit.take(1e6);
  }
}

TEST_CASE("rate limiter: buckets start full, refill per minute, a large request waits for a full one") {
  RateLimiter limit(60, 6000, 512, 120, 100.0);
  for (int i = 0; i < 60; ++i) {
    REQUIRE(limit.wait_for(10, 100.0) == 0);
    limit.take(10);
  }
  CHECK(limit.wait_for(10, 100.0) == doctest::Approx(1.0));  // 60 requests/min: one a second
  CHECK(limit.wait_for(10, 101.0) == 0);
  limit.take(10);
  // 5490 tokens left at t = 101 (600 taken, 100 refilled, 10 taken); 10000 asks for the
  // whole bucket: 510 more at 100 a second.
  CHECK(limit.wait_for(10000, 101.0) == doctest::Approx(5.1));
  CHECK(limit.wait_for(10000, 106.1) == doctest::Approx(0.0));
}

TEST_CASE("rate limiter: x-ratelimit headers and retry-after pause, capped") {
  RateLimiter limit(0, 0, 512, 120, 0.0);
  limit.adapt({{"x-ratelimit-remaining-requests", "5"}, {"x-ratelimit-remaining-tokens", "9000"}}, 0.0);
  CHECK(limit.wait_for(1, 0.0) == 0);
  limit.adapt({{"x-ratelimit-remaining-tokens", "100"}, {"x-ratelimit-reset-tokens", "2s"}}, 0.0);
  CHECK(limit.wait_for(1, 0.0) == doctest::Approx(2.0));  // fewer tokens left than one request's max_tokens
  limit.adapt({{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "6m0s"}}, 1.0);
  CHECK(limit.wait_for(1, 1.0) == doctest::Approx(120.0));  // capped
  limit.pause_requests(500.0);
  CHECK(limit.wait_for(1, 400.0) == doctest::Approx(100.0));
  limit.pause_requests(10.0);  // an earlier end does not shorten a pause
  CHECK(limit.wait_for(1, 400.0) == doctest::Approx(100.0));
}
