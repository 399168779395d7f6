// The HTTP teacher against an in-process OpenAI-compatible server that injects every
// failure the issue lists.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "generators/http_teacher.h"
#include "tests/support/fake_openai.h"

using namespace primer::generators;
using primer::testing::FakeCall;
using primer::testing::FakeOpenAI;
using primer::testing::FakeReply;

namespace {

primer::base::PromptSpec prompt(uint64_t index) {
  primer::base::PromptSpec p;
  p.index = index;
  p.id = 1000 + index;  // request_seed(id) = id for small ids
  p.text = "Write a story number " + std::to_string(index) + ".";
  return p;
}

HttpTeacherOptions options_for(const FakeOpenAI& server) {
  HttpTeacherOptions o;
  o.base_url = server.base_url();
  o.request.model = "gpt-4o-mini";
  o.api_key_env = "PRIMER_TEST_API_KEY";
  o.max_in_flight = 32;
  o.max_attempts = 4;
  o.stall_timeout_s = 30;  // only the stall test lowers it: a busy machine must not look stalled
  o.price = Price{0.15, 0.60};
  return o;
}

// Submits prompts [0, n) and collects their completions by index.
std::map<uint64_t, Completion> run_all(HttpTeacher& t, uint64_t n, double timeout_s = 60) {
  for (uint64_t i = 0; i < n; ++i) t.submit(i, prompt(i));
  std::map<uint64_t, Completion> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline)
    for (auto& c : t.wait(0.1)) out.emplace(c.index, std::move(c));
  return out;
}

uint64_t errors_of(const HttpStats& s, const std::string& cls) {
  for (const auto& [c, n] : s.errors)
    if (c == cls) return n;
  return 0;
}

FakeReply retry_ms(int status, std::string body, int ms = 20) {
  FakeReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers["retry-after-ms"] = std::to_string(ms);
  return r;
}

}  // namespace

TEST_CASE("all prompts answered once, usage and cost, the key only in the Authorization header") {
  ::setenv("PRIMER_TEST_API_KEY", "sk-test-123", 1);
  FakeOpenAI server;
  std::string auth, accept_encoding;
  size_t accept_encodings = 0;
  std::mutex mu;
  server.behaviour = [&](const FakeCall& c) {
    std::lock_guard lock(mu);
    auth = c.auth;
    accept_encoding = c.accept_encoding;
    accept_encodings = c.accept_encodings;
    return FakeOpenAI::default_reply(c);
  };
  HttpTeacher t(options_for(server));
  auto out = run_all(t, 300);
  REQUIRE(out.size() == 300);
  for (const auto& [i, c] : out) {
    CHECK(c.ok);
    CHECK(c.attempts == 1);
    CHECK(c.reply.text == FakeOpenAI::story_for(int64_t(1000 + i)));
    CHECK(c.reply.usage.completion_tokens == 20);
    CHECK(c.cost_usd == doctest::Approx((50 * 0.15 + 20 * 0.60) / 1e6));
  }
  CHECK(server.requests() == 300);
  CHECK(auth == "Bearer sk-test-123");
  // Compressed replies are asked for once per request (the client's own header, not
  // curl's as well); the max_reply_bytes test has them decoded.
  CHECK(accept_encodings == 1);
  CHECK(accept_encoding.find("gzip") != std::string::npos);
  const auto s = t.stats();
  CHECK(s.succeeded == 300);
  CHECK(s.retries == 0);
  CHECK(s.cost_usd == doctest::Approx(300 * (50 * 0.15 + 20 * 0.60) / 1e6));
  CHECK(t.outstanding() == 0);
  ::unsetenv("PRIMER_TEST_API_KEY");
}

TEST_CASE("429 with retry-after-ms, 500, 503 Loading model: retried, then answered") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    if (c.attempt == 1 && c.seed % 3 == 0)
      return retry_ms(429,
                      R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})");
    if (c.attempt == 1 && c.seed % 3 == 1) return retry_ms(500, R"({"error":{"code":500,"message":"oops"}})");
    if (c.attempt <= 2 && c.seed % 3 == 2)
      return retry_ms(503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
    return FakeOpenAI::default_reply(c);
  };
  HttpTeacher t(options_for(server));
  auto out = run_all(t, 60);
  REQUIRE(out.size() == 60);
  for (const auto& [i, c] : out) CHECK(c.ok);
  const auto s = t.stats();
  CHECK(errors_of(s, "http_429") == 20);
  CHECK(errors_of(s, "http_500") == 20);
  CHECK(errors_of(s, "http_503") == 40);
  CHECK(s.retries == 80);
  CHECK(server.requests() == 140);
}

TEST_CASE("400, 401, 404, 422 are not retried; the message is the server's") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r;
    r.status = c.seed % 4 == 0 ? 400 : c.seed % 4 == 1 ? 401 : c.seed % 4 == 2 ? 404 : 422;
    r.body =
        R"({"object":"error","message":"bad thing","type":"BadRequestError","code":)" + std::to_string(r.status) + "}";
    return r;
  };
  HttpTeacher t(options_for(server));
  auto out = run_all(t, 8);
  REQUIRE(out.size() == 8);
  for (const auto& [i, c] : out) {
    CHECK_FALSE(c.ok);
    CHECK(c.attempts == 1);
    CHECK(c.error.find(": bad thing") != std::string::npos);
  }
  CHECK(server.requests() == 8);
  CHECK(out[0].error == "HTTP 400: bad thing");
  CHECK(out[0].error_class == "http_400");
}

TEST_CASE("giving up after max_attempts; x-should-retry overrides; HTML error pages are readable") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    if (c.seed == 1000) return retry_ms(502, "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>");
    FakeReply r = retry_ms(503, "{\"error\":\"busy\"}");
    r.headers["x-should-retry"] = "false";
    return r;
  };
  HttpTeacher t(options_for(server));
  auto out = run_all(t, 2);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[0].ok);
  CHECK(out[0].attempts == 4);
  CHECK(out[0].error == "HTTP 502: 502 Bad Gateway nginx (after 4 attempts)");
  CHECK_FALSE(out[1].ok);
  CHECK(out[1].attempts == 1);
  CHECK(server.requests_for(1000) == 4);
  CHECK(server.requests_for(1001) == 1);
  CHECK_FALSE(t.unreachable());  // a server that answers, even with errors, is reached
}

TEST_CASE("a server that cannot be reached stops everything: from the start, or once it went down") {
  std::string url;
  {
    FakeOpenAI gone;
    url = gone.base_url();
  }  // its port is closed now: every connection is refused
  SUBCASE("never reached") {
    FakeOpenAI unused;
    HttpTeacherOptions o = options_for(unused);
    o.base_url = url;
    o.max_attempts = 2;
    o.max_in_flight = 4;
    HttpTeacher t(o);
    auto out = run_all(t, 10, 30);
    REQUIRE(out.size() == 10);
    CHECK(t.unreachable());
    CHECK_FALSE(t.quota_exhausted());
    int first = 0;
    for (const auto& [i, c] : out) {
      INFO(i << ": " << c.error);
      CHECK_FALSE(c.ok);
      CHECK(c.stop_run);  // asked again after a resume, not counted as failed
      CHECK(c.error_class == "unreachable");
      first += c.error.starts_with("nothing at " + url + " answered for ");
    }
    CHECK(first == 1);
    CHECK(errors_of(t.stats(), "connect") >= 2);
  }
  SUBCASE("no TLS session: https:// to a server that speaks plain HTTP") {
    FakeOpenAI plain;
    HttpTeacherOptions o = options_for(plain);
    o.base_url.replace(0, 4, "https");
    o.max_attempts = 2;
    HttpTeacher t(o);
    auto out = run_all(t, 3, 30);
    REQUIRE(out.size() == 3);
    CHECK(t.unreachable());
    CHECK(errors_of(t.stats(), "tls") >= 2);
    bool named = false;
    for (const auto& [i, c] : out) {
      INFO(i << ": " << c.error);
      CHECK(c.stop_run);
      named = named || (c.error.starts_with("nothing at https://") && c.error.find("SSL") != std::string::npos);
    }
    CHECK(named);
    CHECK(plain.requests() == 0);
  }
  SUBCASE("answered, then down") {
    auto server = std::make_unique<FakeOpenAI>();
    HttpTeacherOptions o = options_for(*server);
    o.max_attempts = 2;
    HttpTeacher t(o);
    auto before = run_all(t, 1);
    REQUIRE(before.size() == 1);
    CHECK(before[0].ok);
    server.reset();
    for (uint64_t i = 1; i <= 5; ++i) t.submit(i, prompt(i));
    std::map<uint64_t, Completion> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.size() < 5 && std::chrono::steady_clock::now() < deadline)
      for (auto& c : t.wait(0.1)) out.emplace(c.index, std::move(c));
    REQUIRE(out.size() == 5);
    CHECK(t.unreachable());
    for (const auto& [i, c] : out) {
      INFO(i << ": " << c.error);
      CHECK(c.stop_run);
      CHECK(c.error_class == "unreachable");
    }
  }
}

TEST_CASE("insufficient_quota stops everything, nothing more is sent") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    if (c.seed >= 1010) {
      FakeReply r;
      r.status = 429;
      r.body =
          R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})";
      return r;
    }
    return FakeOpenAI::default_reply(c);
  };
  HttpTeacherOptions o = options_for(server);
  o.max_in_flight = 1;  // strictly in order, so the first quota error is at 1010
  HttpTeacher t(o);
  auto out = run_all(t, 40);
  REQUIRE(out.size() == 40);
  CHECK(t.quota_exhausted());
  for (uint64_t i = 0; i < 10; ++i) CHECK(out[i].ok);
  CHECK(out[10].stop_run);
  CHECK(out[10].error.find("You exceeded your current quota") != std::string::npos);
  for (uint64_t i = 11; i < 40; ++i) {
    CHECK_FALSE(out[i].ok);
    CHECK(out[i].stop_run);
  }
  CHECK(server.requests() == 11);
}

TEST_CASE("malformed JSON and cut connections are retried") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r;
    if (c.attempt == 1 && c.seed == 1000) {
      r.body = "{\"choices\":[{\"message\":{\"content\":\"trunc";
      return r;
    }
    if (c.attempt == 1 && c.seed == 1001) {
      r.reset = true;
      return r;
    }
    return FakeOpenAI::default_reply(c);
  };
  HttpTeacher t(options_for(server));
  auto out = run_all(t, 2);
  REQUIRE(out.size() == 2);
  for (const auto& [i, c] : out) {
    CHECK(c.ok);
    CHECK(c.attempts == 2);
  }
  const auto s = t.stats();
  CHECK(errors_of(s, "malformed") == 1);
  CHECK(errors_of(s, "transport") == 1);
}

// A chat.completion whose content is `n` bytes of 'a'.
std::string completion_of(size_t n) {
  return R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
         std::string(n, 'a') + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9}})";
}

TEST_CASE("a reply past max_reply_bytes is cut off and not retried, compressed or not; so are endless headers") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r = FakeOpenAI::default_reply(c);
    switch (c.seed) {
      case 1000:  // JSON: the server compresses it (curl asks for it): under 1 KB on the wire
        r.body = completion_of(4 << 20);
        break;
      case 1001:  // a type the server does not compress: 2 MiB as is
        r.body = completion_of(2 << 20);
        r.content_type = "application/octet-stream";
        break;
      case 1002:  // under the limit: answered
        r.body = completion_of(900 << 10);
        break;
      case 1003:  // a small body after 1.2 MB of headers (the limit is 256 KiB)
        for (int i = 0; i < 2000; ++i) r.headers["x-pad-" + std::to_string(i)] = std::string(600, 'p');
        break;
      default: break;
    }
    return r;
  };
  HttpTeacherOptions o = options_for(server);
  o.max_reply_bytes = 1 << 20;
  HttpTeacher t(o);
  auto out = run_all(t, 5);
  REQUIRE(out.size() == 5);
  for (uint64_t i : {0, 1, 3}) {
    INFO("prompt " << i << ": " << out[i].error);
    CHECK_FALSE(out[i].ok);
    CHECK(out[i].attempts == 1);
    CHECK(out[i].error_class == "reply_too_large");
    CHECK(server.requests_for(1000 + static_cast<int64_t>(i)) == 1);
  }
  CHECK(out[0].error.find("max_reply_bytes (1048576 bytes)") != std::string::npos);
  CHECK(out[1].error.find("max_reply_bytes (1048576 bytes)") != std::string::npos);
  CHECK(out[3].error.find("headers passed 262144 bytes") != std::string::npos);
  REQUIRE(out[2].ok);
  CHECK(out[2].reply.text.size() == size_t{900} << 10);
  CHECK(out[4].ok);
  CHECK(errors_of(t.stats(), "reply_too_large") == 3);
}

TEST_CASE("a stalled stream is abandoned after stall_timeout and retried") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r = FakeOpenAI::default_reply(c);
    r.stall = c.attempt == 1;
    return r;
  };
  HttpTeacherOptions o = options_for(server);
  o.request.stream = true;
  o.stall_timeout_s = 0.5;
  HttpTeacher t(o);
  auto out = run_all(t, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].ok);
  CHECK(out[0].attempts == 2);
  CHECK(errors_of(t.stats(), "timeout") == 1);
}

TEST_CASE("streaming: the whole story arrives; a stream cut before [DONE] is retried") {
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r = FakeOpenAI::default_reply(c);
    if (c.attempt == 1 && c.seed % 2 == 0) r.body = r.body.substr(0, r.body.find("data: [DONE]"));
    return r;
  };
  HttpTeacherOptions o = options_for(server);
  o.request.stream = true;
  HttpTeacher t(o);
  auto out = run_all(t, 10);
  REQUIRE(out.size() == 10);
  for (const auto& [i, c] : out) {
    CHECK(c.ok);
    CHECK(c.reply.text == FakeOpenAI::story_for(int64_t(1000 + i)));
    CHECK(c.reply.usage.prompt_tokens == 50);
    CHECK(c.attempts == (i % 2 == 0 ? 2 : 1));
  }
}

TEST_CASE("x-ratelimit headers pause sending until the reset") {
  FakeOpenAI server;
  std::mutex mu;
  std::vector<double> arrivals;
  const auto t0 = std::chrono::steady_clock::now();
  server.behaviour = [&](const FakeCall& c) {
    {
      std::lock_guard lock(mu);
      arrivals.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    FakeReply r = FakeOpenAI::default_reply(c);
    r.headers["x-ratelimit-remaining-requests"] = c.seed == 1000 ? "0" : "100";
    r.headers["x-ratelimit-reset-requests"] = "400ms";
    return r;
  };
  HttpTeacherOptions o = options_for(server);
  o.max_in_flight = 1;
  HttpTeacher t(o);
  auto out = run_all(t, 2);
  REQUIRE(out.size() == 2);
  REQUIRE(arrivals.size() == 2);
  CHECK(arrivals[1] - arrivals[0] >= 0.35);  // a lower bound only: the pause happened
}

TEST_CASE("thousands in flight: 4096 concurrent requests allowed, every prompt answered once") {
  FakeOpenAI server(1);
  server.behaviour = [](const FakeCall& c) {
    FakeReply r = FakeOpenAI::default_reply(c);
    r.delay_s = 0.02;
    return r;
  };
  HttpTeacherOptions o = options_for(server);
  o.max_in_flight = 4096;
  o.stall_timeout_s = 60;
  HttpTeacher t(o);
  auto out = run_all(t, 5000, 120);
  REQUIRE(out.size() == 5000);
  for (const auto& [i, c] : out) {
    INFO(c.error);
    REQUIRE(c.ok);
  }
  CHECK(server.requests() == 5000);
  CHECK(server.max_concurrent() >= 32);  // the server's pool is the limit here, not the client
}

TEST_CASE("idle connections the server closed are replaced: later prompts are answered") {
  // The server closes a keep-alive connection after 1 s idle. The client keeps idle
  // sockets in its epoll set; the close must neither stall nor fail the next requests.
  FakeOpenAI server;
  HttpTeacherOptions o = options_for(server);
  o.max_in_flight = 16;
  HttpTeacher t(o);
  for (int round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < 16; ++i) t.submit(round * 16 + i, prompt(round * 16 + i));
    std::map<uint64_t, Completion> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (out.size() < 16 && std::chrono::steady_clock::now() < deadline)
      for (auto& c : t.wait(0.1)) out.emplace(c.index, std::move(c));
    REQUIRE(out.size() == 16);
    for (const auto& [i, c] : out) {
      INFO(c.error);
      CHECK(c.ok);
    }
    if (round < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the server's idle timeout
  }
  CHECK(server.completions().size() == 48);
}

TEST_CASE("completions endpoint and max_completion_tokens") {
  FakeOpenAI server;
  std::string body;
  std::mutex mu;
  server.behaviour = [&](const FakeCall& c) {
    std::lock_guard lock(mu);
    body = c.body;
    return FakeOpenAI::default_reply(c);
  };
  HttpTeacherOptions o = options_for(server);
  o.request.endpoint = "completions";
  o.request.max_tokens_field = "max_completion_tokens";
  HttpTeacher t(o);
  auto out = run_all(t, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].ok);
  CHECK(out[0].reply.text == FakeOpenAI::story_for(1000));
  CHECK(body.find("\"max_completion_tokens\":512") != std::string::npos);
  CHECK(body.find("\"prompt\":") != std::string::npos);
}

// Without proxy variables every request is told "no proxy" (curl would otherwise read
// the environment for each one); with them, curl's own rules still apply.
TEST_CASE("proxy variables in the environment are honoured: http_proxy, then no_proxy") {
  // The variables curl reads, put back as they were at the end.
  std::map<std::string, std::optional<std::string>> saved;
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    const char* v = std::getenv(name);
    saved[name] = v ? std::optional<std::string>(v) : std::nullopt;
    ::unsetenv(name);
  }
  FakeOpenAI server;
  HttpTeacherOptions o = options_for(server);
  o.max_attempts = 1;
  o.connect_timeout_s = 5;
  {
    ::setenv("http_proxy", "http://127.0.0.1:1", 1);  // nothing listens there
    HttpTeacher t(o);
    auto out = run_all(t, 1);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].ok);
    CHECK(out[0].error_class == "unreachable");  // the proxy: nothing answered at all
    CHECK(out[0].error.find("failed to connect (") != std::string::npos);
    CHECK(errors_of(t.stats(), "connect") == 1);
    CHECK(server.requests() == 0);
  }
  {
    ::setenv("no_proxy", "127.0.0.1", 1);
    HttpTeacher t(o);
    auto out = run_all(t, 1);
    REQUIRE(out.size() == 1);
    CHECK(out[0].ok);
    CHECK(server.requests() == 1);
  }
  ::unsetenv("http_proxy");
  ::unsetenv("no_proxy");
  HttpTeacher t(o);
  auto out = run_all(t, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].ok);
  CHECK(server.requests() == 2);
  for (const auto& [name, value] : saved)
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
}

TEST_CASE("interrupt_wait: a wait in progress, or the next one, returns at once with what is there") {
  FakeOpenAI server;
  HttpTeacher t(options_for(server));
  // Nothing submitted: only the interrupt can end these waits (an hour each otherwise;
  // ctest's timeout would fail the test).
  t.interrupt_wait();
  CHECK(t.wait(3600).empty());
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    t.interrupt_wait();
  });
  CHECK(t.wait(3600).empty());
  interrupter.join();
  // The interrupt is used up: completions are still handed over by later waits.
  auto out = run_all(t, 3);
  CHECK(out.size() == 3);
}
