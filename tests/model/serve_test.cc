// primer serve: the OpenAI-compatible endpoints on a small trained model, errors in
// OpenAI's shape, concurrency, local-first escalation, and primer's own HTTP teacher
// running a whole `primer run` against it.
#include <doctest/doctest.h>

#include <httplib.h>
#include <simdjson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "model/serve.h"
#include "tests/support/fake_openai.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace primer;

namespace {

using testing::run_primer;

// A small model trained for a few steps on a built-in dataset (made once per process).
const fs::path& trained_model() {
  static testing::TempDir dir;
  static fs::path model = [] {
    testing::write_file(dir / "run.toml", "seed = 3\ncount = 400\n[tokenizer]\nvocab_size = 400\n");
    auto r = run_primer({"run", (dir / "run.toml").string(), "--out", (dir / "data").string(), "--quiet"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    testing::write_file(dir / "train.toml",
                        "[model]\ndim = 32\nn_layers = 2\nn_heads = 4\nn_kv_heads = 2\nhidden_dim = 64\n"
                        "vocab_size = 400\nseq_len = 512\n[train]\ndata = \"" +
                            (dir / "data").string() +
                            "\"\nbatch_size = 8\nsteps = 60\nlr = 4e-3\nwarmup = 5\nlog_every = 0\n");
    r = run_primer({"train", (dir / "train.toml").string(), "--out", (dir / "tiny").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return dir / "tiny";
  }();
  return model;
}

// The server on a free port, listening on its own thread for the test's lifetime.
struct Running {
  model::Server server;
  int port;
  std::thread thread;
  explicit Running(model::ServeOptions o) : server(model::load_model(trained_model()), std::move(o)) {
    port = server.bind();
    thread = std::thread([this] { server.listen(); });
  }
  ~Running() {
    server.stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c;
  }
};

model::ServeOptions any_port() {
  model::ServeOptions o;
  o.port = 0;
  o.model_name = "tiny";
  return o;
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element e;
  REQUIRE_MESSAGE(!p.parse(body).get(e), body);
  return e;
}

}  // namespace

TEST_CASE("serve: completions and chat, usage, finish_reason, greedy equals primer sample") {
  Running s(any_port());
  auto c = s.client();
  simdjson::dom::parser p;
  auto r = c.Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  r = c.Get("/v1/models");
  REQUIRE(r);
  CHECK(std::string(parse(p, r->body)["data"].at(0)["id"].get_string().value()) == "tiny");

  r = c.Post("/v1/completions", R"({"model":"tiny","prompt":"Once upon a time","max_tokens":20,"temperature":0})",
             "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("x-primer-route") == "local");
  auto e = parse(p, r->body);
  const std::string text(e["choices"].at(0)["text"].get_string().value());
  CHECK(std::string(e["choices"].at(0)["finish_reason"].get_string().value()) == "length");
  CHECK(e["usage"]["completion_tokens"].get_int64().value() == 20);
  CHECK(e["usage"]["total_tokens"].get_int64().value() == e["usage"]["prompt_tokens"].get_int64().value() + 20);
  const auto sampled = run_primer({"sample", trained_model().string(), "--prompt", "Once upon a time", "--temperature",
                                   "0", "--max-tokens", "20", "--json"});
  REQUIRE(sampled.exit_code == 0);
  simdjson::dom::parser p2;
  CHECK(std::string(parse(p2, sampled.out)["text"].get_string().value()) == text);

  // a stop string ends the text before it
  if (text.size() > 4) {
    const std::string stop = text.substr(3, 2);
    r = c.Post("/v1/completions",
               R"({"prompt":"Once upon a time","max_tokens":20,"temperature":0,"stop":[")" + stop + R"("]})",
               "application/json");
    REQUIRE(r);
    auto s2 = parse(p, r->body);
    CHECK(std::string(s2["choices"].at(0)["finish_reason"].get_string().value()) == "stop");
    CHECK(std::string(s2["choices"].at(0)["text"].get_string().value()) == text.substr(0, text.find(stop)));
  }

  r = c.Post("/v1/chat/completions",
             R"({"model":"tiny","messages":[{"role":"user","content":"Words: dog, run, happy"}],"max_tokens":10})",
             "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  e = parse(p, r->body);
  CHECK(std::string(e["object"].get_string().value()) == "chat.completion");
  CHECK(std::string(e["choices"].at(0)["message"]["role"].get_string().value()) == "assistant");
}

TEST_CASE("serve: streaming sends SSE chunks whose text equals the non-streamed answer") {
  Running s(any_port());
  auto c = s.client();
  const std::string body = R"({"prompt":"The dog","max_tokens":15,"temperature":0)";
  auto whole = c.Post("/v1/completions", body + "}", "application/json");
  auto streamed = c.Post("/v1/completions", body + R"(,"stream":true})", "application/json");
  REQUIRE(whole);
  REQUIRE(streamed);
  simdjson::dom::parser p;
  const std::string expect(parse(p, whole->body)["choices"].at(0)["text"].get_string().value());
  std::string joined, finish;
  size_t at = 0;
  int chunks = 0;
  while ((at = streamed->body.find("data: ", at)) != std::string::npos) {
    const size_t end = streamed->body.find("\n\n", at);
    const std::string data = streamed->body.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") break;
    auto e = parse(p, data);
    joined += std::string(e["choices"].at(0)["text"].get_string().value());
    std::string_view f;
    if (!e["choices"].at(0)["finish_reason"].get_string().get(f)) finish = std::string(f);
    ++chunks;
  }
  CHECK(chunks > 3);
  CHECK(joined == expect);
  CHECK(finish == "length");
  CHECK(streamed->body.ends_with("data: [DONE]\n\n"));
}

TEST_CASE("serve: OpenAI-shaped errors with the right status codes") {
  Running s(any_port());
  auto c = s.client();
  simdjson::dom::parser p;
  struct Case {
    std::string path, body;
    int status;
    std::string code;
  };
  const std::string long_prompt(4000, 'a');
  for (const Case& k :
       {Case{"/v1/completions", "{not json", 400, ""},
        Case{"/v1/completions", R"({"model":"gpt-4o","prompt":"x"})", 404, "model_not_found"},
        Case{"/v1/completions", R"({"max_tokens":5})", 400, ""},
        Case{"/v1/completions", R"({"prompt":"x","temperature":7})", 400, ""},
        Case{"/v1/completions", R"({"prompt":"x","n":3})", 400, ""},
        Case{"/v1/chat/completions", R"({"messages":[]})", 400, ""},
        Case{"/v1/completions", R"({"prompt":")" + long_prompt + R"("})", 400, "context_length_exceeded"},
        Case{"/v1/embeddings", R"({})", 404, "not_found"}}) {
    auto r = c.Post(k.path, k.body, "application/json");
    REQUIRE(r);
    CHECK_MESSAGE(r->status == k.status, k.body.substr(0, 60));
    auto e = parse(p, r->body);
    std::string_view msg;
    CHECK(!e["error"]["message"].get_string().get(msg));
    CHECK(!msg.empty());
    if (!k.code.empty()) CHECK(std::string(e["error"]["code"].get_string().value()) == k.code);
  }
}

TEST_CASE("serve: concurrent requests each get their own answer") {
  Running s(any_port());
  std::vector<std::thread> threads;
  std::vector<std::string> texts(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto c = s.client();
      auto r = c.Post(
          "/v1/completions",
          R"({"prompt":"Once upon a time","max_tokens":25,"temperature":0.9,"seed":)" + std::to_string(i % 4) + "}",
          "application/json");
      if (r && r->status == 200) {
        simdjson::dom::parser p;
        simdjson::dom::element e;
        if (!p.parse(r->body).get(e)) texts[i] = std::string(e["choices"].at(0)["text"].get_string().value());
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) CHECK(!texts[i].empty());
  for (int i = 0; i < 4; ++i) CHECK(texts[i] == texts[i + 4]);  // same seed, same text, whatever ran beside it
}

TEST_CASE("serve: local-first routing escalates low-confidence answers and reports the share") {
  testing::FakeOpenAI big;
  model::ServeOptions o = any_port();
  o.escalate_to = big.base_url();
  o.escalate_model = "big-model";
  SUBCASE("a threshold above every mean log-probability escalates everything") { o.escalate_below = 0.0; }
  SUBCASE("a threshold below every mean log-probability escalates nothing") { o.escalate_below = -1e9; }
  const bool all = o.escalate_below == 0.0;
  Running s(o);
  auto c = s.client();
  simdjson::dom::parser p;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post(
        "/v1/chat/completions",
        R"({"messages":[{"role":"user","content":"Tell a story"}],"max_tokens":8,"seed":)" + std::to_string(i) + "}",
        "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("x-primer-route") == (all ? "escalated" : "local"));
    auto e = parse(p, r->body);
    CHECK(std::string(e["primer_route"].get_string().value()) == (all ? "escalated" : "local"));
    if (all)
      CHECK(std::string(e["choices"].at(0)["message"]["content"].get_string().value()) ==
            testing::FakeOpenAI::story_for(i));
  }
  CHECK(big.requests() == (all ? 3u : 0u));
  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find(all ? "primer_escalated_share 1.000000" : "primer_escalated_share 0.000000") != std::string::npos);
  CHECK(m->body.find(all ? "primer_requests_total{route=\"escalated\"} 3"
                         : "primer_requests_total{route=\"local\"} 3") != std::string::npos);
}

TEST_CASE("serve: a failing upstream leaves the local answer and counts an escalation error") {
  ::setenv("PRIMER_TEST_SERVE_KEY", "sk-serve-789", 1);
  testing::FakeOpenAI big;
  std::mutex mu;
  std::vector<testing::FakeCall> calls;
  big.behaviour = [&](const testing::FakeCall& c) {
    std::lock_guard lock(mu);
    calls.push_back(c);
    testing::FakeReply r;
    r.status = 401;
    r.body =
        R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})";
    return r;
  };
  model::ServeOptions o = any_port();
  o.escalate_to = big.base_url();
  o.escalate_below = 0.0;  // escalates everything
  o.escalate_model = "big-model";
  o.api_key_env = "PRIMER_TEST_SERVE_KEY";
  Running s(o);
  auto c = s.client();
  simdjson::dom::parser p;
  auto r = c.Post("/v1/chat/completions",
                  R"({"messages":[{"role":"user","content":"Tell a story"}],"max_tokens":8,"stream":true})",
                  "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("x-primer-route") == "local");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].auth == "Bearer sk-serve-789");
  CHECK_FALSE(calls[0].stream);  // the upstream answers in one piece
  CHECK(std::string(parse(p, calls[0].body)["model"].get_string().value()) == "big-model");
  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("primer_escalation_errors_total 1\n") != std::string::npos);
  CHECK(m->body.find("primer_requests_total{route=\"local\"} 1\n") != std::string::npos);
  ::unsetenv("PRIMER_TEST_SERVE_KEY");
}

TEST_CASE("primer run with the HTTP teacher pointed at primer serve completes") {
  Running s(any_port());
  testing::TempDir tmp;
  testing::write_file(
      tmp / "run.toml",
      "seed = 5\ncount = 40\n[teacher]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:" + std::to_string(s.port) +
          "/v1\"\nmodel = \"tiny\"\nendpoint = \"completions\"\nmax_tokens = 40\n"
          "max_in_flight = 8\n[storage]\nvalidation_fraction = 0.0\n");
  const auto r = run_primer({"run", (tmp / "run.toml").string(), "--out", (tmp / "out").string(), "--quiet"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  simdjson::dom::parser p;
  auto m = parse(p, testing::read_file(tmp / "out" / "manifest.json"));
  CHECK(m["counts"]["prompts"].get_uint64().value() == 40);
  CHECK(m["counts"]["replies"].get_uint64().value() == 40);
  CHECK(m["counts"]["kept"].get_uint64().value() > 0);
}

namespace {

// Clients that hold connections open without finishing a request: half connect and send
// nothing, half send part of a request's headers.
struct Stalled {
  std::vector<int> fds;
  Stalled(int port, int n) {
    for (int i = 0; i < n; ++i) {
      fds.push_back(primer::testing::connect_loopback(port));
      REQUIRE(fds.back() >= 0);
      if (i % 2) {
        const std::string part = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n";
        REQUIRE(::send(fds.back(), part.data(), part.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(part.size()));
      }
    }
  }
  ~Stalled() {
    for (int fd : fds) ::close(fd);
  }
};

}  // namespace

TEST_CASE("serve: 64 stalled connections block neither /health nor completions") {
  model::ServeOptions o = any_port();
  o.request_timeout_s = 120;  // the stalled clients stay for the whole test
  o.idle_timeout_s = 120;
  Running s(o);
  Stalled stalled(s.port, 64);
  // a server that gives its few threads to the stalled clients answers only after their
  // timeouts: the clients here wait 20 s, far longer than a free server needs
  httplib::Client c("127.0.0.1", s.port);
  c.set_connection_timeout(20, 0);
  c.set_read_timeout(20, 0);
  auto r = c.Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  std::vector<std::thread> threads;
  std::vector<int> status(4, -1);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      httplib::Client k("127.0.0.1", s.port);
      k.set_connection_timeout(20, 0);
      k.set_read_timeout(20, 0);
      auto q = k.Post("/v1/completions", R"({"prompt":"Once upon a time","max_tokens":10,"stream":true})",
                      "application/json");
      if (q && q->body.ends_with("data: [DONE]\n\n")) status[i] = q->status;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) CHECK(status[i] == 200);
  r = c.Get("/metrics");
  REQUIRE(r);
  // the stalled clients were held, not closed to make room: 64 of them and this client
  const size_t at = r->body.find("primer_open_connections ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(r->body.substr(at + 24)) >= 65);
}

TEST_CASE("serve: beyond max_connections a client gets 503 with Retry-After, and room again once they leave") {
  model::ServeOptions o = any_port();
  o.max_connections = 2;
  o.request_timeout_s = 120;
  o.idle_timeout_s = 120;
  Running s(o);
  simdjson::dom::parser p;
  {
    Stalled stalled(s.port, 2);
    auto c = s.client();
    auto r = c.Get("/health");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("Retry-After") == "1");
    auto e = parse(p, r->body);
    CHECK(std::string(e["error"]["type"].get_string().value()) == "server_error");
    CHECK(std::string(e["error"]["code"].get_string().value()) == "overloaded");
  }
  // the server notices the closed connections on its own; poll until it has
  int status = -1;
  for (int i = 0; i < 300 && status != 200; ++i) {
    auto c = s.client();
    auto r = c.Get("/health");
    status = r ? r->status : -1;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status == 200);
}

TEST_CASE("serve: a body over the limit gets 413 in OpenAI's shape, not 'not an endpoint'") {
  Running s(any_port());  // the default limit, 1 MiB
  auto c = s.client();
  const std::string body = R"({"prompt":")" + std::string(2 << 20, 'a') + R"("})";
  auto r = c.Post("/v1/completions", body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  simdjson::dom::parser p;
  auto e = parse(p, r->body);
  CHECK(std::string(e["error"]["type"].get_string().value()) == "invalid_request_error");
  CHECK(std::string(e["error"]["code"].get_string().value()) == "request_too_large");
  CHECK(r->body.find("not an endpoint") == std::string::npos);
  // a small request on a new connection still works
  auto c2 = s.client();
  r = c2.Post("/v1/completions", R"({"prompt":"The dog","max_tokens":3})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("serve: chat content given as an array of text parts, as OpenAI's clients send it") {
  Running s(any_port());
  auto c = s.client();
  simdjson::dom::parser p;
  auto answer = [&](const std::string& content) {
    auto r = c.Post("/v1/chat/completions",
                    R"({"messages":[{"role":"system","content":null},{"role":"user","content":)" + content +
                        R"(}],"max_tokens":12,"temperature":0})",
                    "application/json");
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 200, r->body);
    return std::string(parse(p, r->body)["choices"].at(0)["message"]["content"].get_string().value());
  };
  const std::string parts = answer(R"([{"type":"text","text":"Words: dog, run"},{"type":"text","text":"happy"}])");
  CHECK(parts == answer(R"("Words: dog, run\nhappy")"));
  CHECK(!parts.empty());

  auto r = c.Post("/v1/chat/completions",
                  R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
                  "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(std::string(parse(p, r->body)["error"]["param"].get_string().value()) == "messages");
}
