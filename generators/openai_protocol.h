// The OpenAI-compatible wire protocol, as pure functions: request bodies, response and
// error parsing (OpenAI, vLLM, llama.cpp, Ollama and proxy pages), Retry-After and
// rate-limit headers, server-sent events, and prices. No I/O here; every function is
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/doc.h"

namespace primer::generators {

// What the [teacher] config says about requests.
struct RequestOptions {
  std::string model;
  std::string endpoint = "chat";                // chat → /chat/completions, completions → /completions
  std::string max_tokens_field = "max_tokens";  // or "max_completion_tokens"
  int64_t max_tokens = 512;
  double temperature = 1.0;
  std::optional<double> top_p;
  bool seed = true;  // send a per-prompt seed derived from the prompt id
  int64_t n = 1;
  std::vector<std::string> stop;
  std::string system_prompt;  // chat only; empty: no system message
  bool stream = false;
  // Extra body fields, as the members of a JSON object without braces
  // ("\"top_k\":40,\"repetition_penalty\":1.1"); appended verbatim.
  std::string extra_body;
};

// The per-prompt sampling seed sent to the server (fits a signed 32-bit int, which
// every server accepts).
int64_t request_seed(uint64_t prompt_id);

// The request body for one prompt: canonical (same prompt and options → same bytes), so
// its hash identifies the request in the journal.
std::string request_body(const RequestOptions& options, const base::PromptSpec& prompt);
// "/chat/completions" or "/completions".
std::string_view endpoint_path(const RequestOptions& options);
std::string_view endpoint_path(bool chat);

// A parsed error from any of the servers' formats.
struct ApiError {
  std::string message;  // readable, never empty
  std::string type;     // "rate_limit_error", ...
  std::string code;     // "insufficient_quota", "rate_limit_exceeded", ... (string form)
};
ApiError parse_error_body(long status, std::string_view body);

// The result of parsing a 2xx response body.
struct ParsedReply {
  bool ok = false;
  std::string error;  // when !ok: what was wrong
  base::Reply reply;
};
ParsedReply parse_completion(std::string_view body, bool chat);

// Headers are stored with lower-case names.
using Headers = std::map<std::string, std::string>;

// Seconds the server asks to wait: retry-after-ms, else retry-after (seconds or an HTTP
// date relative to `now_unix`), capped at `cap`. nullopt when neither header is usable.
std::optional<double> retry_after_seconds(const Headers& headers, double now_unix, double cap = 120.0);
// "6m0s", "1s", "120ms", "1h2m3.5s", "0.5" (plain seconds) → seconds; nullopt if unparsable.
std::optional<double> parse_duration(std::string_view text);

enum class RetryDecision { kSuccess, kRetry, kFail, kStopRun };
// What to do with an HTTP status (0 = transport error). `x-should-retry` overrides the
// status rule; 429 with code insufficient_quota stops the run.
RetryDecision classify_status(long status, const Headers& headers, std::string_view body);
// Exponential backoff without server advice: min(0.5·2^attempt, 8) s × jitter,
// jitter = 1 − 0.25·u with u in [0, 1).
double backoff_seconds(int attempt, double u);

// Server-sent events of a streamed completion. Feed bytes as they arrive (any
// splitting); handles CRLF, ':' comments, multi-line data, usage in a final chunk
// with empty choices or in the finish chunk, error events, and [DONE].
class SseParser {
 public:
  explicit SseParser(bool chat) : chat_(chat) {}
  void feed(std::string_view bytes);
  // After the transfer ended: the complete reply, or an error ("stream cut before
  // [DONE]", the server's error event, malformed chunk).
  ParsedReply finish() const;
  bool done() const { return done_; }

 private:
  void event(std::string_view data);
  bool chat_;
  std::string buffer_;  // bytes of an incomplete line
  std::string data_;    // data lines of the current event
  bool has_data_ = false;
  bool done_ = false;
  std::string error_;
  base::Reply reply_;
};

// Prices in USD per million tokens.
struct Price {
  double input = 0;
  double output = 0;
};
// The built-in table (gpt-4o, gpt-4o-mini, claude-3-haiku, llama-3-8b on Groq,
// gemini-1.5-flash, ...), matched by exact model name, then by the longest known prefix.
std::optional<Price> builtin_price(std::string_view model);
double cost_usd(const Price& price, const base::Usage& usage, bool batch = false);

}  // namespace primer::generators
