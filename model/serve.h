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
// an unknown model or path, 400 context_length_exceeded when the prompt fills the context.
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
// server fails, the local answer is returned (route "local", counted as an escalation error).
//
// Concurrency: a pool of HTTP worker threads, each request with its own KV cache; the
// model's weights are shared read-only.
#pragma once

#include <atomic>
#include <cmath>
#include <memory>
#include <string>

#include "model/export.h"

namespace primer::model {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 8000;                 // 0: any free port (see Server::port())
  std::string model_name;          // default: the checkpoint's name
  int http_threads = 8;            // concurrent requests
  std::string escalate_to;         // base URL of the bigger model, e.g. https://api.openai.com/v1
  double escalate_below = -INFINITY;
  std::string escalate_model;      // model name sent upstream (default: the request's)
  std::string api_key_env = "OPENAI_API_KEY";
  double escalate_timeout_s = 120;
};

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
