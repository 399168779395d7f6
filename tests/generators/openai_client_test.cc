// OpenAiClient's blocking post() (primer serve's escalation) against the in-process fake
// server: the URL and headers it sends, how failures are named and explained, and that the
// key never reaches an error message. The multi-handle path is the HTTP teacher's tests'.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "generators/openai_client.h"
#include "tests/support/fake_openai.h"

using namespace primer::generators;
using primer::testing::FakeCall;
using primer::testing::FakeOpenAI;
using primer::testing::FakeReply;

namespace {

ClientOptions options_for(const FakeOpenAI& server, bool chat = true) {
  ClientOptions o;
  o.base_url = server.base_url() + "//";  // trailing slashes are dropped
  o.path = std::string(endpoint_path(chat));
  o.api_key_env = "PRIMER_TEST_CLIENT_KEY";
  o.timeout_s = 30;
  return o;
}

std::string body_with_seed(int64_t seed) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":)" + std::to_string(seed) + "}";
}

// A port on 127.0.0.1 where nothing listens (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("client: the endpoint's URL, JSON and the key in the Authorization header only") {
  ::setenv("PRIMER_TEST_CLIENT_KEY", "sk-client-456", 1);
  FakeOpenAI server;
  std::mutex mu;
  std::vector<FakeCall> calls;
  server.behaviour = [&](const FakeCall& c) {
    std::lock_guard lock(mu);
    calls.push_back(c);
    return FakeOpenAI::default_reply(c);
  };
  for (const bool chat : {true, false}) {
    OpenAiClient client(options_for(server, chat));
    const HttpResponse r = client.post(body_with_seed(7));
    CHECK(r.status == 200);
    CHECK(r.decision == RetryDecision::kSuccess);
    CHECK(r.error_class.empty());
    CHECK(parse_completion(r.body, chat).reply.text == FakeOpenAI::story_for(7));
  }
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].chat);
  CHECK_FALSE(calls[1].chat);
  for (const auto& c : calls) {
    CHECK(c.auth == "Bearer sk-client-456");
    CHECK(c.body == body_with_seed(7));
  }
  ::unsetenv("PRIMER_TEST_CLIENT_KEY");
  OpenAiClient keyless(options_for(server));
  CHECK(keyless.post(body_with_seed(8)).decision == RetryDecision::kSuccess);
  CHECK(calls.back().auth.empty());
}

TEST_CASE("client: failures are classified and explained as the teacher does, the key replaced") {
  ::setenv("PRIMER_TEST_CLIENT_KEY", "sk-client-456", 1);
  FakeOpenAI server;
  server.behaviour = [](const FakeCall& c) {
    FakeReply r;
    if (c.seed == 0) {
      r.status = 401;
      r.body =
          R"({"error":{"message":"Incorrect API key provided: sk-client-456.","type":"invalid_request_error","code":"invalid_api_key"}})";
    } else if (c.seed == 1) {
      r.status = 429;
      r.body =
          R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})";
    } else {
      r.status = 503;
      r.body = R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
      r.headers.emplace("retry-after", "3");
    }
    return r;
  };
  OpenAiClient client(options_for(server));
  HttpResponse r = client.post(body_with_seed(0));
  CHECK(r.status == 401);
  CHECK(r.decision == RetryDecision::kFail);
  CHECK(r.error_class == "http_401");
  CHECK(r.error.find("Incorrect API key provided: [key].") != std::string::npos);
  CHECK(r.error.find("sk-client-456") == std::string::npos);
  r = client.post(body_with_seed(1));
  CHECK(r.decision == RetryDecision::kStopRun);
  CHECK(r.error_class == "http_429");
  r = client.post(body_with_seed(2));
  CHECK(r.decision == RetryDecision::kRetry);
  CHECK(r.error.find("Loading model") != std::string::npos);
  CHECK(r.headers.at("retry-after") == "3");
  ::unsetenv("PRIMER_TEST_CLIENT_KEY");
}

TEST_CASE("client: transport failures have status 0 and curl's reason") {
  SUBCASE("nothing listens") {
    ClientOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
    const HttpResponse r = OpenAiClient(o).post(body_with_seed(0));
    CHECK(r.status == 0);
    CHECK(r.decision == RetryDecision::kRetry);
    CHECK(r.error_class == "connect");
    CHECK_FALSE(r.error.empty());
  }
  SUBCASE("the answer takes longer than timeout_s") {
    FakeOpenAI server;
    server.behaviour = [](const FakeCall& c) {
      FakeReply r = FakeOpenAI::default_reply(c);
      r.delay_s = 2;
      return r;
    };
    ClientOptions o = options_for(server);
    o.timeout_s = 0.3;
    const HttpResponse r = OpenAiClient(o).post(body_with_seed(0));
    CHECK(r.status == 0);
    CHECK(r.error_class == "timeout");
  }
}

TEST_CASE("client: post() from many threads at once") {
  FakeOpenAI server;
  OpenAiClient client(options_for(server));
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const int64_t seed = t * 10 + i;
        const HttpResponse r = client.post(body_with_seed(seed));
        ok[t] += r.decision == RetryDecision::kSuccess &&
                 parse_completion(r.body, true).reply.text == FakeOpenAI::story_for(seed);
      }
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 8; ++t) CHECK(ok[t] == 10);
  CHECK(server.requests() == 80);
}
