// `primer serve`: a trained model behind an OpenAI-compatible HTTP API, so that anything
// that speaks to OpenAI, vLLM or llama.cpp (primer's own HTTP teacher included) can use it.
//
//   GET  /health                 {"status":"ok"}
//   GET  /v1/models              the one model, under its name
//   POST /v1/completions         prompt (string or [string]) → text; stream (SSE) or not
//   POST /v1/chat/completions    messages → the chat template below → text; stream or not
//   GET  /metrics                Prometheus text: requests, tokens, latency and the
//                                escalated share per route
//
// Requests: max_tokens (or max_completion_tokens), temperature, top_p, top_k, seed, stop
// (string or up to 4 strings), stream, n (1 only). Responses carry usage and
// finish_reason ("stop" at a stop string or when the model starts a new document,
// "length" at max_tokens or the end of the context). Bad requests get OpenAI's error
// shape {"error":{"message","type","param","code"}}: 400 for bad JSON or fields, 404 for
// an unknown model or path, 400 context_length_exceeded when the prompt fills the context,
// 413 for a body over max_body_bytes, 503 with Retry-After when too many connections are
// open or too many requests wait, 500 for an internal error (logged, never sent).
// A chat message's content is a string or an array of text parts
// ([{"type":"text","text":"..."}], joined by newlines), as OpenAI's clients send it.
//
// Chat template (also the Instruct format's): the messages' contents, in order, each on
// its own line; when they hold Instruct lines (Summary:, Features:, Sentence:, Words:) and
// do not end with "Story:", a "Story:" line is appended, so the model writes the story.
//
// Local-first routing: with escalate_to, a request is answered by the small model unless
// its mean token log-probability falls below escalate_below; then the request goes to the
// bigger OpenAI-compatible server (API key from the environment variable api_key_env,
// never logged) and its answer is returned. Every response says which model answered:
// the header x-primer-route (local | escalated) and the field "primer_route". If the big
// server fails, the local answer is returned (route "local", counted as an escalation error)
// and stderr gets one line with the reason (the server's message or curl's). The request
// goes out through the HTTP teacher's client, generators/openai_client.h.
//
// Concurrency (model/http_server.h): every connection has its own thread, so clients that
// hold connections open without finishing a request delay nobody; http_threads requests
// generate at once, each with its own KV cache (the weights are shared read-only), and
// max_queued more wait for a turn.
#pragma once

#include <atomic>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "model/export.h"

namespace primer::model {

struct ServeOptions {
  std::string host = "127.0.0.1";           // loopback by default
  int port = 8000;                          // 0: any free port (see Server::port())
  std::string model_name;                   // default: the checkpoint's name
  int http_threads = 8;                     // requests generating at once
  int max_queued = 64;                      // requests waiting for a turn; beyond: 503 + Retry-After
  int max_connections = 256;                // open connections; beyond: 503 + Retry-After
  size_t max_body_bytes = size_t{1} << 20;  // beyond: 413
  double request_timeout_s = 10;            // a whole request must arrive within this
  double idle_timeout_s = 5;                // a kept-alive connection idle longer is closed
  std::string escalate_to;                  // base URL of the bigger model, e.g. https://api.openai.com/v1
  double escalate_below = -INFINITY;
  std::string escalate_model;  // model name sent upstream (default: the request's)
  std::string api_key_env = "OPENAI_API_KEY";
  double escalate_timeout_s = 120;
};

// A request body parsed and checked as the server does (chat: /v1/chat/completions, else
// /v1/completions); returns the prompt the model is given. Throws HttpError
// (model/http_server.h) with the 400 or 404 the client would get. For tests and the
// fuzzer (tests/fuzz/serve_request.cc).
std::string request_prompt(std::string_view body, bool chat, const std::string& served_name);

class Server {
 public:
  Server(LoadedModel model, ServeOptions options);
  ~Server();
  // Binds; throws ModelError if the address is taken. Returns the bound port.
  int bind();
  // Serves until stop() (from another thread).
  void listen();
  void stop();
  const std::string& model_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace primer::model
