// HttpTeacher — any OpenAI-compatible server (OpenAI, vLLM, llama.cpp's llama-server,
// Ollama, primer serve) through libcurl multi on one I/O thread.
//
//   HttpTeacher t(options);             // starts the I/O thread
//   t.submit(index, prompt);            // any thread; never blocks
//   for (auto& c : t.wait(0.1)) ...     // completions in any order
//
// The I/O thread keeps up to max_in_flight requests running (keep-alive; HTTP/2 where
// the server offers it over TLS), applies token buckets for requests/min and tokens/min
// (adapting to x-ratelimit-* headers; rate_limiter.h), and retries what deserves it: 408,
// 409, 429, 5xx and transport errors, after retry-after-ms / retry-after (capped at 120 s)
// or an exponential backoff with jitter; x-should-retry overrides. 400/401/403/404/422 fail
// at once; 429 insufficient_quota stops everything (quota_exhausted()), and so does a
// server that cannot be reached: a prompt whose every attempt failed to connect, with no
// request answered since its first (unreachable(); its retries take ~30 s by default).
// Response JSON is parsed in wait(), on the caller's thread, never on the I/O thread;
// a malformed body or a stream cut before [DONE] is retried like a server error.
//
// The URL, the headers and the options every request shares come from OpenAiClient
// (openai_client.h), as for `primer serve`'s escalation; this class adds the event loop,
// the rate limits and the retries. The API key is read from the environment variable named
// in the options; it is sent in the Authorization header and never logged, stored or
// copied into error messages.
//
// Thread-safety: submit(), wait(), stats() and the accessors may be called from any
// thread; wait() from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "generators/openai_client.h"
#include "generators/openai_protocol.h"

namespace primer::generators {

struct HttpTeacherOptions {
  std::string base_url = "http://127.0.0.1:8000/v1";  // without the endpoint path
  RequestOptions request;
  std::string api_key_env = "OPENAI_API_KEY";  // unset variable: no Authorization header
  int max_in_flight = 256;
  double rpm = 0;  // requests per minute, 0 = unlimited
  double tpm = 0;  // tokens per minute (prompt estimate + max_tokens), 0 = unlimited
  int max_attempts = 8;
  double connect_timeout_s = 30;
  double timeout_s = 600;        // whole request
  double stall_timeout_s = 120;  // streams: no byte for this long and the attempt failed
  double retry_cap_s = 120;      // longest wait a server may ask for
  // A reply's body past this (decompressed) fails as "reply_too_large", not retried
  // (ClientOptions::max_reply_bytes): memory stays within max_in_flight times it.
  size_t max_reply_bytes = ClientOptions::kDefaultMaxReplyBytes;
  std::optional<Price> price;  // USD per 1M tokens; nullopt: cost unknown (0)
};

// The outcome for one prompt.
struct Completion {
  uint64_t index = 0;
  bool ok = false;
  bool stop_run = false;    // insufficient_quota or unreachable: the run must stop
  base::Reply reply;        // when ok
  std::string error;        // when !ok: readable, names the HTTP status or transport error
  std::string error_class;  // "http_400", "http_429", "timeout", "connect", "malformed", "unreachable", ...
  int attempts = 0;
  double cost_usd = 0;
  std::string request_body;  // the body that was sent (request_body()), e.g. for a journal's hash
};

struct HttpStats {
  uint64_t sent = 0;       // HTTP requests started (attempts)
  uint64_t succeeded = 0;  // prompts answered
  uint64_t failed = 0;     // prompts given up
  uint64_t retries = 0;
  std::vector<std::pair<std::string, uint64_t>> errors;  // by class, attempts included
  uint64_t prompt_tokens = 0, completion_tokens = 0;
  double cost_usd = 0;
  int in_flight = 0;  // HTTP requests running now
};

class HttpTeacher {
 public:
  explicit HttpTeacher(HttpTeacherOptions options);
  ~HttpTeacher();  // stops the I/O thread; requests still running are abandoned
  HttpTeacher(const HttpTeacher&) = delete;
  HttpTeacher& operator=(const HttpTeacher&) = delete;

  // Queues a prompt. Its body is built here (request_body).
  void submit(uint64_t index, const base::PromptSpec& prompt);
  // Queues several prompts, {index, prompt} each, with one lock and one wake-up.
  void submit(const std::vector<std::pair<uint64_t, base::PromptSpec>>& prompts);
  // Returns the completions available now, waiting up to `timeout_s` for the first.
  std::vector<Completion> wait(double timeout_s);
  // Makes a wait() in progress, and the next one, return at once (with what is there):
  // a caller shutting down need not sit out the timeout.
  void interrupt_wait();
  // Submitted prompts not yet returned by wait().
  uint64_t outstanding() const;
  bool quota_exhausted() const;
  bool unreachable() const;
  HttpStats stats() const;
  const HttpTeacherOptions& options() const { return options_; }
  // Estimated tokens of a request for the tokens/min bucket and budget projections:
  // prompt characters / 4 + max_tokens.
  double estimate_tokens(const base::PromptSpec& prompt) const;

 private:
  struct Impl;
  HttpTeacherOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer::generators
