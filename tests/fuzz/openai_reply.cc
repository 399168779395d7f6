// A teacher's HTTP reply body, as chat and as completions: parse_completion for 2xx,
// parse_error_body and classify_status for the others. Replies are failures-as-values:
// nothing may throw. The first line also goes through the header parsers (retry-after,
// retry-after-ms, x-should-retry, rate-limit durations).
#include <cmath>

#include "generators/openai_protocol.h"
#include "tests/fuzz/fuzz.h"

using namespace primer::generators;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = primer::fuzz::as_text(data, size);
  for (bool chat : {true, false}) {
    const ParsedReply r = parse_completion(body, chat);
    primer::fuzz::require(r.ok || !r.error.empty(), "a refused reply says why");
  }
  for (long status : {0L, 400L, 429L, 500L, 503L}) {
    const ApiError e = parse_error_body(status, body);
    primer::fuzz::require(!e.message.empty(), "an error's message is never empty");
    (void)classify_status(status, {}, body);
  }
  const std::string_view line = body.substr(0, body.find('\n'));
  const std::string value(line);
  if (const auto d = parse_duration(line)) primer::fuzz::require(std::isfinite(*d) && *d >= 0, "a finite duration");
  for (const char* header : {"retry-after", "retry-after-ms"})
    if (const auto s = retry_after_seconds({{header, value}}, 1.7e9, 120.0))
      primer::fuzz::require(*s >= 0 && *s <= 120.0, "a retry time within [0, cap]");  // NaN fails both
  (void)classify_status(429, {{"x-should-retry", value}}, body);
  return 0;
}
