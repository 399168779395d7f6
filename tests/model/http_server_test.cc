// HttpServer, the transport under primer serve: the worker queue's 503 + Retry-After, a
// throwing handler's 500 without exception text, a request that never finishes arriving,
// and a request httplib cannot read, each answered in OpenAI's error shape.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "model/http_server.h"
#include "tests/support/testing.h"

using namespace primer;
using model::HttpServer;

namespace {

struct Running {
  HttpServer server;
  int port;
  std::thread thread;
  explicit Running(model::HttpLimits limits) : server(limits) {}
  void start() {
    port = server.bind("127.0.0.1", 0);
    thread = std::thread([this] { server.listen(); });
  }
  ~Running() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c;
  }
};

// Waits (polling, with a generous bound against hangs) until `ready` holds.
template <typename F>
bool eventually(F ready) {
  for (int i = 0; i < 3000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void check_error_shape(const std::string& body, const std::string& type, const std::string& code) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE_MESSAGE(!p.parse(body).get(e), body);
  std::string_view message, t;
  CHECK(!e["error"]["message"].get_string().get(message));
  CHECK(!message.empty());
  CHECK(!e["error"]["type"].get_string().get(t));
  CHECK(t == type);
  CHECK(!e["error"]["param"].error());
  if (code.empty()) CHECK(e["error"]["code"].is_null());
  else CHECK(std::string(e["error"]["code"].get_string().value()) == code);
}

}  // namespace

TEST_CASE("http server: beyond the running and queued requests, 503 with Retry-After") {
  model::HttpLimits limits;
  limits.workers = 1;
  limits.max_queued = 1;
  Running s(limits);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  s.server.post("/work", [released](const httplib::Request&, httplib::Response& r, HttpServer::Slot) {
    released.wait();
    r.set_content("done", "text/plain");
  });
  s.start();
  auto post = [&s] {
    auto c = s.client();
    auto r = c.Post("/work", "{}", "application/json");
    return r ? r->status : -1;
  };
  auto running = std::async(std::launch::async, post);
  REQUIRE(eventually([&] { return s.server.stats().running == 1; }));
  auto queued = std::async(std::launch::async, post);
  REQUIRE(eventually([&] { return s.server.stats().queued == 1; }));

  auto c = s.client();
  auto r = c.Post("/work", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->get_header_value("Retry-After") == "1");
  check_error_shape(r->body, "server_error", "overloaded");
  CHECK(s.server.stats().rejected_queue == 1);

  release.set_value();
  CHECK(running.get() == 200);
  CHECK(queued.get() == 200);
}

TEST_CASE("http server: a handler that throws gets 500 in OpenAI's shape, with no exception text anywhere") {
  Running s(model::HttpLimits{});
  s.server.post("/boom", [](const httplib::Request&, httplib::Response&, HttpServer::Slot) {
    throw std::runtime_error("secret internal detail");
  });
  s.server.post("/teapot", [](const httplib::Request&, httplib::Response&, HttpServer::Slot) {
    throw model::HttpError(418, "short and stout", "invalid_request_error", "spout", "teapot");
  });
  s.start();
  auto c = s.client();
  auto r = c.Post("/boom", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 500);
  check_error_shape(r->body, "server_error", "");
  CHECK(r->body.find("secret") == std::string::npos);
  CHECK(r->body.find("not an endpoint") == std::string::npos);
  for (const auto& [k, v] : r->headers) {
    CHECK(k != "EXCEPTION_WHAT");
    CHECK(v.find("secret") == std::string::npos);
  }
  CHECK(s.server.stats().internal_errors == 1);
  // the worker slot was given back: the same route answers again
  r = c.Post("/boom", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 500);

  r = c.Post("/teapot", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 418);
  check_error_shape(r->body, "invalid_request_error", "teapot");
}

TEST_CASE("http server: a request that never finishes arriving is cut off, however slowly it trickles") {
  model::HttpLimits limits;
  limits.request_timeout_s = 1;
  Running s(limits);
  s.server.get("/health", [](const httplib::Request&, httplib::Response& r) { r.set_content("ok", "text/plain"); });
  s.start();
  const int fd = primer::testing::connect_loopback(s.port);
  REQUIRE(fd >= 0);
  const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  // a byte every 100 ms, each well within any per-read timeout: only a deadline for the
  // whole request ends it (bounded at 60 s so that a server without one fails, not hangs)
  bool closed = false;
  for (int i = 0; i < 600 && !closed; ++i) {
    const char byte = i < static_cast<int>(head.size()) ? head[i] : 'x';
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) closed = true;
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::close(fd);
  CHECK(closed);
  CHECK(eventually([&] { return s.server.stats().timed_out >= 1; }));
  auto c = s.client();
  auto r = c.Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("http server: a request it cannot read gets 400 in OpenAI's shape") {
  model::HttpLimits limits;
  limits.idle_timeout_s = 0.2;  // then the kept-alive connection closes and the reply is whole
  Running s(limits);
  s.start();
  const int fd = primer::testing::connect_loopback(s.port);
  REQUIRE(fd >= 0);
  const std::string garbage = "NOT HTTP AT ALL\r\n\r\n";
  REQUIRE(::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(garbage.size()));
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  REQUIRE(reply.starts_with("HTTP/1.1 400"));
  const size_t body = reply.find("\r\n\r\n");
  REQUIRE(body != std::string::npos);
  check_error_shape(reply.substr(body + 4), "invalid_request_error", "");
}
