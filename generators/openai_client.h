// OpenAiClient — the libcurl side of talking to one endpoint of an OpenAI-compatible server,
// shared by the HTTP teacher (thousands of requests on curl multi, generators/http_teacher.cc)
// and `primer serve`'s escalation to a bigger model (one blocking request per caller,
// model/serve.cc).
//
//   OpenAiClient big({.base_url = "https://api.openai.com/v1", .path = "/chat/completions"});
//   HttpResponse r = big.post(body);  // blocks; any thread
//   if (r.decision != RetryDecision::kSuccess) std::puts((r.error_class + ": " + r.error).c_str());
//
// It owns what every request to the endpoint has in common: the URL (the base URL without
// trailing slashes, then the path; parsed once), the JSON content type, the Authorization
// header, the timeouts, NOSIGNAL, TCP keep-alive, HTTP/2 over TLS, compressed replies, the
// proxy rule (below), and the write and header callbacks that fill an HttpResponse. After a
// transfer, finish_request() reads the status and interprets a failure with
// openai_protocol's classify_status and parse_error_body, so both users name and explain
// errors the same way. Retrying, rate limits and the event loop are the teacher's own.
//
// Proxies: when none of the variables curl reads (http_proxy, no_proxy, ...) is set at
// construction, requests are told "no proxy" outright: the same outcome, without curl
// reading the environment (several getenv walks and copies) for every request.
//
// The API key is read once, at construction, from the environment variable named in the
// options. It lives only in the Authorization header curl sends: never logged, never
// copied into an error message (an error body that quotes it has it replaced by "[key]").
//
// Thread-safety: immutable after construction. post() may be called from any number of
// threads at once (each call has an easy handle of its own, kept for the next call so that
// its connection is reused); new_handle(), prepare_request() and finish_request() touch
// only the handle and response they are given.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "generators/openai_protocol.h"

namespace primer::generators {

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8000/v1";  // up to /v1
  std::string path = "/chat/completions";             // endpoint_path()
  std::string api_key_env = "OPENAI_API_KEY";         // unset or empty variable: no Authorization header
  double connect_timeout_s = 30;
  double timeout_s = 600;  // whole request
  // The most bytes a reply's body may hold once decompressed; a transfer past it is cut
  // off and fails with error_class "reply_too_large" (not retried). It bounds what one
  // reply can take: a server, a proxy or a compressed body cannot make the client hold
  // more than this per request in flight.
  size_t max_reply_bytes = kDefaultMaxReplyBytes;
  static constexpr size_t kDefaultMaxReplyBytes = size_t{16} << 20;
  // The most bytes of response headers (all of them, per response): past it, the same
  // (below the 300 KB some libcurl builds enforce themselves as a transport error).
  static constexpr size_t kMaxHeaderBytes = size_t{256} << 10;
};

// One request's answer: filled by the client's callbacks during the transfer, then by
// finish_request().
struct HttpResponse {
  long status = 0;  // 0: no HTTP answer (transport error, timeout)
  std::string body;
  // Only the headers the retry and rate-limit rules read: retry-after(-ms), x-should-retry
  // and x-ratelimit-*, by lower-case name. The others (date, server, content-type, ...) are
  // not stored, which spares a map node and two strings per header on every reply.
  Headers headers;
  RetryDecision decision = RetryDecision::kRetry;  // classify_status
  std::string error_class;                         // unless kSuccess: "http_429", "timeout", "connect", "transport"
  std::string error;                               // unless kSuccess: readable (the server's message or curl's)
  // For a stall detector: when `clock` is set, every byte received stores *clock in
  // last_activity (prepare_request() too).
  const double* clock = nullptr;
  double last_activity = 0;
  char curl_error[256] = {};  // CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE bytes)
  // Set by prepare_request(): the callbacks stop the transfer past these.
  size_t max_body = ClientOptions::kDefaultMaxReplyBytes;
  size_t header_bytes = 0;  // received so far
  bool too_large = false;   // the body or the headers passed their limit
};

class OpenAiClient {
 public:
  explicit OpenAiClient(ClientOptions options);
  ~OpenAiClient();
  OpenAiClient(const OpenAiClient&) = delete;
  OpenAiClient& operator=(const OpenAiClient&) = delete;

  // POSTs `body` and waits for the whole answer (at most timeout_s).
  HttpResponse post(std::string_view body) const;

  // The pieces post() is made of, for a caller with its own event loop (curl multi).
  // A new easy handle (a CURL*; curl.h stays out of this header) with every option the
  // requests share; the caller owns it (curl_easy_cleanup) and may add its own options.
  // Throws std::runtime_error when curl cannot allocate one.
  void* new_handle() const;
  // Points `easy` at `body` (which must outlive the transfer) and at `response`, cleared
  // for a new attempt (its body keeps its capacity).
  void prepare_request(void* easy, std::string_view body, HttpResponse& response) const;
  // After the transfer ended with `curl_code` (a CURLcode): the status (0 unless the
  // transfer succeeded), the decision and, unless kSuccess, the error class and message.
  void finish_request(void* easy, int curl_code, HttpResponse& response) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer::generators
