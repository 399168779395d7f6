// HttpServer: cpp-httplib made fit for an open port, the transport under `primer serve`.
//
// What a client can and cannot do to it:
//   - Every admitted connection has its own thread, so a client that connects and sends
//     nothing, or a byte now and then, delays nobody else. Its whole request (headers and
//     body) must arrive within `request_timeout_s` of its first byte, and a kept-alive
//     connection may idle `idle_timeout_s` between requests; then it is closed. A response
//     the client does not read for `write_timeout_s` ends the connection.
//   - At most `max_connections` are open; one more gets 503 with Retry-After and is closed.
//   - Heavy routes (post(): generation) run at most `workers` at once and `max_queued` more
//     wait their turn; beyond that a request gets 503 with Retry-After at once.
//   - A body over `max_body_bytes` gets 413. A handler that throws HttpError gets that
//     status; any other exception gets 500 (the exception is logged on stderr, never sent,
//     and no exception text ever goes into a header).
//   - Every error body is OpenAI's shape: {"error":{"message","type","param","code"}}.
//
//   | limit             | default | |  limit              | default    |
//   |-------------------|---------|-|---------------------|------------|
//   | max_connections   | 256     | |  max_body_bytes     | 1 MiB      |
//   | workers           | 8       | |  request_timeout_s  | 10         |
//   | max_queued        | 64      | |  idle_timeout_s     | 5          |
//   | retry_after_s     | 1       | |  write_timeout_s    | 30         |
//
//   HttpServer http(limits);
//   http.get("/health", [](const httplib::Request&, httplib::Response& r) { r.set_content("ok", "text/plain"); });
//   http.post("/v1/completions", [](const httplib::Request& q, httplib::Response& r, HttpServer::Slot slot) {...});
//   int port = http.bind("127.0.0.1", 0);
//   std::thread t([&] { http.listen(); });  ...  http.stop(); t.join();
//
// Thread safety: register routes before bind(); stats() and stop() from any thread.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace primer::model {

struct HttpLimits {
  int max_connections = 256;
  int workers = 8;
  int max_queued = 64;
  size_t max_body_bytes = size_t{1} << 20;
  double request_timeout_s = 10;
  double idle_timeout_s = 5;
  double write_timeout_s = 30;
  int retry_after_s = 1;
};

// An error a handler throws to answer with `status` and OpenAI's error shape.
struct HttpError : std::runtime_error {
  HttpError(int status_code, std::string text, std::string error_type, std::string param_name = "",
            std::string error_code = "")
      : std::runtime_error(text),
        status(status_code),
        message(std::move(text)),
        type(std::move(error_type)),
        param(std::move(param_name)),
        code(std::move(error_code)) {}
  int status;
  std::string message, type, param, code;  // empty param / code are sent as null
};

// {"error":{"message","type","param","code"}}
std::string openai_error_body(const HttpError& e);

class HttpServer {
 public:
  // While any copy of a slot lives, its request counts as running: a streaming handler
  // keeps it in its content provider, so the slot is held until the last byte is sent.
  using Slot = std::shared_ptr<void>;
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  using HeavyHandler = std::function<void(const httplib::Request&, httplib::Response&, Slot)>;

  struct Stats {
    uint64_t connections = 0;                                                                   // open now
    uint64_t running = 0, queued = 0;                                                           // heavy requests now
    uint64_t rejected_connections = 0, rejected_queue = 0, timed_out = 0, internal_errors = 0;  // totals
  };

  explicit HttpServer(HttpLimits limits);
  ~HttpServer();

  void get(const std::string& path, Handler handler);
  void post(const std::string& path, HeavyHandler handler);  // admitted through the worker queue

  // Binds (port 0: any free port) and returns the port; throws std::runtime_error when it cannot.
  int bind(const std::string& host, int port);
  // Serves until stop() (from another thread).
  void listen();
  void stop();
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer::model
