#include <doctest/doctest.h>

#include <simdjson.h>

#include "generators/openai_protocol.h"

using namespace primer::generators;

namespace {
primer::base::PromptSpec prompt(uint64_t id, std::string text) {
  primer::base::PromptSpec p;
  p.id = id;
  p.text = std::move(text);
  return p;
}
}  // namespace

TEST_CASE("request bodies: chat and completions, options, extra fields, canonical") {
  RequestOptions o;
  o.model = "gpt-4o-mini";
  const std::string chat = request_body(o, prompt(0x123456789ull, "Write \"a\" story."));
  CHECK(chat ==
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Write \\\"a\\\" story.\"}],"
        "\"max_tokens\":512,\"temperature\":1,\"seed\":" +
            std::to_string(0x23456789) + "}");
  CHECK(request_body(o, prompt(0x123456789ull, "Write \"a\" story.")) == chat);
  CHECK(endpoint_path(o) == "/chat/completions");

  o.endpoint = "completions";
  o.max_tokens_field = "max_completion_tokens";
  o.top_p = 0.9;
  o.seed = false;
  o.n = 2;
  o.stop = {"\n\n", "END"};
  o.stream = true;
  o.extra_body = "\"top_k\":40";
  const std::string comp = request_body(o, prompt(1, "Hi"));
  CHECK(endpoint_path(o) == "/completions");
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE_FALSE(p.parse(comp).get(e));
  CHECK(std::string_view(e["prompt"]) == "Hi");
  CHECK(int64_t(e["max_completion_tokens"]) == 512);
  CHECK(double(e["top_p"]) == 0.9);
  CHECK(int64_t(e["n"]) == 2);
  CHECK(std::string_view(e["stop"].at(1)) == "END");
  CHECK(bool(e["stream"]));
  CHECK(bool(e["stream_options"]["include_usage"]));
  CHECK(int64_t(e["top_k"]) == 40);
  CHECK(e["seed"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("completions parse: content, null content, finish_reason, usage, unknown fields") {
  auto r = parse_completion(
      R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Once.","refusal":null},"finish_reason":"length","logprobs":null}],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46},"system_fingerprint":"fp"})",
      true);
  REQUIRE(r.ok);
  CHECK(r.reply.text == "Once.");
  CHECK(r.reply.finish_reason == "length");
  CHECK(r.reply.usage.prompt_tokens == 12);
  CHECK(r.reply.usage.completion_tokens == 34);
  auto null_content = parse_completion(R"({"choices":[{"message":{"content":null},"finish_reason":"stop"}]})", true);
  REQUIRE(null_content.ok);
  CHECK(null_content.reply.text.empty());
  auto text = parse_completion(R"({"choices":[{"text":"Hello","finish_reason":null}]})", false);
  REQUIRE(text.ok);
  CHECK(text.reply.text == "Hello");
  CHECK(text.reply.finish_reason == "stop");
  CHECK_FALSE(parse_completion("{\"choices\":[{\"message\":", true).ok);
  CHECK(parse_completion("{\"choices\":[{\"message\":", true).error.find("malformed JSON") == 0);
  CHECK(parse_completion("{\"choices\":[]}", true).error == "the response has no choices");
  CHECK(parse_completion("{\"choices\":[{\"text\":\"x\"}]}", true).error.find("message.content") != std::string::npos);
  CHECK(parse_completion(R"({"error":{"message":"boom"}})", true).error == "HTTP 200: boom");
}

TEST_CASE("error bodies of every server family give a readable message") {
  auto openai = parse_error_body(
      429,
      R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  CHECK(openai.message == "HTTP 429: You exceeded your current quota");
  CHECK(openai.code == "insufficient_quota");
  auto vllm = parse_error_body(
      400, R"({"object":"error","message":"max_tokens too large","type":"BadRequestError","param":null,"code":400})");
  CHECK(vllm.message == "HTTP 400: max_tokens too large");
  CHECK(vllm.code == "400");
  auto llama = parse_error_body(500, R"({"error":{"code":500,"message":"n > 1 not supported","type":"server_error"}})");
  CHECK(llama.message == "HTTP 500: n > 1 not supported");
  auto ollama = parse_error_body(
      404, R"({"error":{"message":"model \"x\" not found","type":"api_error","param":null,"code":null}})");
  CHECK(ollama.message == "HTTP 404: model \"x\" not found");
  CHECK(ollama.code.empty());
  auto string_error = parse_error_body(503, R"({"error":"Loading model"})");
  CHECK(string_error.message == "HTTP 503: Loading model");
  auto html = parse_error_body(
      502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>");
  CHECK(html.message == "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx");
  CHECK(parse_error_body(500, "").message == "HTTP 500 with an empty body");
}

TEST_CASE("retry decisions") {
  const Headers none;
  CHECK(classify_status(200, none, "") == RetryDecision::kSuccess);
  for (long s : {0L, 408L, 409L, 429L, 500L, 502L, 503L, 504L})
    CHECK(classify_status(s, none, "") == RetryDecision::kRetry);
  for (long s : {400L, 401L, 403L, 404L, 422L}) CHECK(classify_status(s, none, "") == RetryDecision::kFail);
  CHECK(classify_status(429, none, R"({"error":{"code":"insufficient_quota","message":"no"}})") ==
        RetryDecision::kStopRun);
  CHECK(classify_status(429, none, R"({"error":{"code":"rate_limit_exceeded","message":"slow"}})") ==
        RetryDecision::kRetry);
  CHECK(classify_status(400, {{"x-should-retry", "true"}}, "") == RetryDecision::kRetry);
  CHECK(classify_status(503, {{"x-should-retry", "false"}}, "") == RetryDecision::kFail);
}

TEST_CASE("retry-after headers, durations and backoff") {
  CHECK(retry_after_seconds({{"retry-after-ms", "1500"}}, 0) == doctest::Approx(1.5));
  CHECK(retry_after_seconds({{"retry-after-ms", "250"}, {"retry-after", "9"}}, 0) == doctest::Approx(0.25));
  CHECK(retry_after_seconds({{"retry-after", "7"}}, 0) == doctest::Approx(7));
  // Not a number: no retry time (the backoff applies), never NaN.
  CHECK_FALSE(retry_after_seconds({{"retry-after-ms", "nan"}}, 0));
  CHECK_FALSE(retry_after_seconds({{"retry-after-ms", "-inf"}}, 0));
  CHECK(retry_after_seconds({{"retry-after-ms", "NaN"}, {"retry-after", "3"}}, 0) == doctest::Approx(3));
  CHECK(retry_after_seconds({{"retry-after", "7000"}}, 0) == doctest::Approx(120));  // capped
  // HTTP date: 2015-10-21 07:28:00 UTC is 1445412480.
  CHECK(retry_after_seconds({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 1445412470.0) == doctest::Approx(10));
  CHECK(retry_after_seconds({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 1445412490.0) == doctest::Approx(0));
  CHECK_FALSE(retry_after_seconds({{"retry-after", "soon"}}, 0));
  CHECK_FALSE(retry_after_seconds({}, 0));

  CHECK(parse_duration("6m0s") == doctest::Approx(360));
  CHECK(parse_duration("1s") == doctest::Approx(1));
  CHECK(parse_duration("120ms") == doctest::Approx(0.12));
  CHECK(parse_duration("1h2m3.5s") == doctest::Approx(3723.5));
  CHECK(parse_duration("0.5") == doctest::Approx(0.5));
  CHECK_FALSE(parse_duration("abc"));
  CHECK_FALSE(parse_duration("5x"));
  CHECK_FALSE(parse_duration(""));

  CHECK(backoff_seconds(0, 0) == doctest::Approx(0.5));
  CHECK(backoff_seconds(1, 0) == doctest::Approx(1.0));
  CHECK(backoff_seconds(3, 0) == doctest::Approx(4.0));
  CHECK(backoff_seconds(10, 0) == doctest::Approx(8.0));
  CHECK(backoff_seconds(10, 0.999) == doctest::Approx(6.002));
}

TEST_CASE("server-sent events: CRLF, comments, split reads, usage chunk, [DONE], cuts and errors") {
  const std::string stream =
      ": keep-alive\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"Once upon\"},\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\" a time.\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}\n\n"
      "data: [DONE]\n\n";
  // Every split point gives the same result.
  for (size_t cut = 0; cut <= stream.size(); cut += 7) {
    SseParser p(true);
    p.feed(stream.substr(0, cut));
    p.feed(stream.substr(cut));
    const auto r = p.finish();
    REQUIRE(r.ok);
    CHECK(r.reply.text == "Once upon a time.");
    CHECK(r.reply.finish_reason == "stop");
    CHECK(r.reply.usage.prompt_tokens == 5);
    CHECK(r.reply.usage.completion_tokens == 4);
  }
  SseParser bytewise(true);
  for (char c : stream) bytewise.feed(std::string_view(&c, 1));
  CHECK(bytewise.finish().reply.text == "Once upon a time.");

  // llama.cpp puts usage into the finish chunk; completions streams use "text".
  SseParser llama(false);
  llama.feed(
      "data: {\"choices\":[{\"text\":\"Hi\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");
  REQUIRE(llama.finish().ok);
  CHECK(llama.finish().reply.finish_reason == "length");
  CHECK(llama.finish().reply.usage.completion_tokens == 1);

  SseParser cut(true);
  cut.feed("data: {\"choices\":[{\"delta\":{\"content\":\"Once\"}}]}\n\n");
  CHECK_FALSE(cut.finish().ok);
  CHECK(cut.finish().error == "the stream was cut before [DONE]");

  SseParser err(true);
  err.feed(
      "data: {\"choices\":[{\"delta\":{\"content\":\"Once\"}}]}\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: [DONE]\n\n");
  CHECK(err.finish().error == "the server sent an error event: HTTP 200: overloaded");

  SseParser bad(true);
  bad.feed("data: {not json}\n\ndata: [DONE]\n\n");
  CHECK(bad.finish().error == "malformed JSON in a streamed chunk");

  SseParser multi(true);  // an event's data split over two data lines
  multi.feed("data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n");
  CHECK(multi.finish().reply.text == "x");
}

TEST_CASE("prices: built-in table, prefixes, batch discount") {
  REQUIRE(builtin_price("gpt-4o"));
  CHECK(builtin_price("gpt-4o")->input == 5.0);
  CHECK(builtin_price("gpt-4o")->output == 15.0);
  CHECK(builtin_price("gpt-4o-mini-2024-07-18")->input == 0.15);
  CHECK(builtin_price("GPT-4o-mini")->output == 0.60);
  CHECK(builtin_price("claude-3-haiku-20240307")->output == 1.25);
  CHECK(builtin_price("groq/llama-3-8b-8192")->input == 0.05);
  CHECK(builtin_price("gemini-1.5-flash")->output == 1.05);
  CHECK_FALSE(builtin_price("my-local-model"));
  primer::base::Usage u;
  u.prompt_tokens = 1000000;
  u.completion_tokens = 2000000;
  CHECK(cost_usd({0.15, 0.60}, u) == doctest::Approx(1.35));
  CHECK(cost_usd({0.15, 0.60}, u, true) == doctest::Approx(0.675));
}
