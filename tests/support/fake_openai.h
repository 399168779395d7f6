// An in-process OpenAI-compatible server for tests (cpp-httplib on 127.0.0.1, a free
// port). By default it answers every /v1/chat/completions and /v1/completions request
// with a short story derived from the request's seed; a test installs `behaviour` to
// inject failures. It counts requests and successful (billed) completions per seed.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
struct Request;
struct Response;
class Server;
}  // namespace httplib

namespace primer::testing {

struct FakeCall {
  int64_t seed = -1;            // the request's "seed" field (-1 if absent)
  int attempt = 0;              // 1 for the first request with this seed, 2 for the second, ...
  std::string body;             // the request body
  std::string auth;             // the Authorization header
  std::string accept_encoding;  // the Accept-Encoding header
  size_t accept_encodings = 0;  // how many Accept-Encoding headers the request has
  bool stream = false;
  bool chat = true;
};

// What a behaviour decides. `billed` marks a response the client should receive as a
// success (counted in completions()).
struct FakeReply {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string content_type = "application/json";
  double delay_s = 0;  // wait before answering
  bool stall = false;  // send nothing for a long time (the client's stall detector fires)
  bool reset = false;  // close the connection without an answer
  bool billed = false;
};

class FakeOpenAI {
 public:
  // keep_alive_max: requests per connection. cpp-httplib serves one connection per
  // thread, so a test with thousands of connections wants 1 (no idle waits).
  explicit FakeOpenAI(int keep_alive_max = 64);
  ~FakeOpenAI();
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  int port() const { return port_; }

  // Decides the answer for a call; default_reply() when unset.
  std::function<FakeReply(const FakeCall&)> behaviour;
  // The default: 200, a chat.completion (or text completion) with the story for `seed`.
  static FakeReply default_reply(const FakeCall& call);
  static std::string story_for(int64_t seed);

  uint64_t requests() const;
  uint64_t requests_for(int64_t seed) const;
  // Successful (billed) completions per seed.
  std::map<int64_t, int> completions() const;
  int max_concurrent() const { return max_concurrent_.load(); }

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<int64_t, int> attempts_;
  std::map<int64_t, int> billed_;
  uint64_t requests_ = 0;
  std::atomic<int> concurrent_{0}, max_concurrent_{0};
  std::atomic<bool> closing_{false};
};

}  // namespace primer::testing
