#include "model/serve.h"

#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "base/json.h"
#include "generators/openai_client.h"
#include "model/http_server.h"
#include "model/inference.h"

namespace primer::model {

namespace {

using base::JsonWriter;
using Clock = std::chrono::steady_clock;

HttpError bad_request(std::string message, std::string param = "", std::string code = "") {
  return HttpError(400, std::move(message), "invalid_request_error", std::move(param), std::move(code));
}

// A message's content: a string, null (an assistant turn with tool calls), or OpenAI's
// array of parts, of which text parts are joined by newlines (as vLLM does).
std::string message_content(simdjson::dom::element m) {
  simdjson::dom::element content;
  if (m.get_object().error() || m["content"].get(content))
    throw bad_request("each message needs a 'content'", "messages");
  std::string_view s;
  if (content.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  if (content.is_null()) return "";
  simdjson::dom::array parts;
  if (content.get_array().get(parts))
    throw bad_request("a message's 'content' must be a string or an array of content parts", "messages");
  std::string text;
  for (auto part : parts) {
    std::string_view type, part_text;
    if (part["type"].get_string().get(type) || type != "text")
      throw bad_request("only text content parts ({\"type\":\"text\",\"text\":\"...\"}) are supported", "messages");
    if (part["text"].get_string().get(part_text))
      throw bad_request("a text content part needs a string 'text'", "messages");
    if (!text.empty()) text += "\n";
    text += part_text;
  }
  return text;
}

// What a request asks for, parsed and checked.
struct Ask {
  bool chat = false, stream = false;
  std::string model, prompt;
  int max_tokens = 16;
  SamplingOptions sampling;
  std::vector<std::string> stop;
};

Ask parse_request(const std::string& body, bool chat, const std::string& served_name) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) || !root.is_object())
    throw bad_request("We could not parse the JSON body of your request: it must be a JSON object.");
  Ask a;
  a.chat = chat;
  a.max_tokens = chat ? 256 : 16;
  std::string_view s;
  if (!root["model"].get_string().get(s)) a.model = std::string(s);
  if (!a.model.empty() && a.model != served_name)
    throw HttpError(404, "The model '" + a.model + "' does not exist; this server serves '" + served_name + "'.",
                    "invalid_request_error", "model", "model_not_found");
  auto number = [&](const char* key, double lo, double hi, double& out) {
    simdjson::dom::element e;
    if (root[key].get(e)) return false;
    if (e.is_null()) return false;
    double v;
    if (e.get_double().get(v) || !(v >= lo && v <= hi))
      throw bad_request(fmt::format("'{}' must be a number between {} and {}", key, lo, hi), key);
    out = v;
    return true;
  };
  double v;
  if (number("max_tokens", 1, 1e9, v) || number("max_completion_tokens", 1, 1e9, v)) a.max_tokens = static_cast<int>(v);
  if (number("temperature", 0, 2, v)) a.sampling.temperature = static_cast<float>(v);
  if (number("top_p", 0, 1, v)) a.sampling.top_p = static_cast<float>(v);
  if (number("top_k", 0, 1e6, v)) a.sampling.top_k = static_cast<int>(v);
  if (number("seed", -9.2e18, 9.2e18, v)) a.sampling.seed = static_cast<uint64_t>(static_cast<int64_t>(v));
  if (number("n", 1, 1e6, v) && v != 1) throw bad_request("This server generates one choice per request (n = 1).", "n");
  bool stream = false;
  if (!root["stream"].get_bool().get(stream)) a.stream = stream;
  simdjson::dom::element stop;
  if (!root["stop"].get(stop) && !stop.is_null()) {
    if (stop.get_string().get(s) == simdjson::SUCCESS) a.stop.emplace_back(s);
    else if (stop.is_array()) {
      for (auto e : stop.get_array()) {
        if (e.get_string().get(s)) throw bad_request("'stop' must be a string or an array of strings", "stop");
        a.stop.emplace_back(s);
      }
    } else throw bad_request("'stop' must be a string or an array of strings", "stop");
    if (a.stop.size() > 4) throw bad_request("'stop' takes at most 4 sequences", "stop");
    std::erase(a.stop, std::string());
  }
  if (chat) {
    simdjson::dom::array messages;
    if (root["messages"].get_array().get(messages) || messages.size() == 0)
      throw bad_request("'messages' must be a non-empty array of {role, content}", "messages");
    std::string text;
    for (auto m : messages) {
      const std::string content = message_content(m);
      if (!text.empty()) text += "\n";
      text += content;
    }
    // the Instruct format: instruction lines, then the story
    const bool instruct = text.find("Summary:") != std::string::npos || text.find("Words:") != std::string::npos ||
                          text.find("Features:") != std::string::npos || text.find("Sentence:") != std::string::npos;
    std::string trimmed = text;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
    if (instruct && !trimmed.ends_with("Story:")) text = trimmed + "\nStory:";
    a.prompt = text;
  } else {
    simdjson::dom::element p;
    if (root["prompt"].get(p)) throw bad_request("'prompt' is required", "prompt");
    if (p.get_string().get(s) == simdjson::SUCCESS) a.prompt = std::string(s);
    else if (p.is_array() && p.get_array().size() == 1 && p.get_array().at(0).get_string().get(s) == simdjson::SUCCESS)
      a.prompt = std::string(s);
    else throw bad_request("'prompt' must be a string (or an array of one string)", "prompt");
  }
  return a;
}

// Text that is safe to send now: not the start of a stop string, not half a character.
size_t safe_length(const std::string& text, const std::vector<std::string>& stop) {
  size_t end = text.size();
  for (const auto& s : stop)
    for (size_t k = std::min(s.size() - 1, text.size()); k > 0; --k)
      if (text.compare(text.size() - k, k, s, 0, k) == 0) {
        end = std::min(end, text.size() - k);
        break;
      }
  // sentencepiece decodes an incomplete UTF-8 sequence as U+FFFD: hold it back
  while (end >= 3 && text.compare(end - 3, 3, "\xEF\xBF\xBD") == 0) end -= 3;
  return end;
}

}  // namespace

struct Server::Impl {
  LoadedModel loaded;
  ServeOptions options;
  std::unique_ptr<InferenceModel> model;
  std::unique_ptr<HttpServer> http;
  std::string name;
  // With escalate_to: the bigger model's two endpoints (the API key lives in them only).
  std::unique_ptr<generators::OpenAiClient> upstream_completions, upstream_chat;
  int64_t created = 0;

  std::mutex metrics_mutex;
  struct Route {
    uint64_t requests = 0, prompt_tokens = 0, completion_tokens = 0;
    double seconds = 0;
  } local, escalated;
  uint64_t errors = 0, escalation_errors = 0;

  struct Outcome {
    std::string text, finish_reason, route = "local";
    int prompt_tokens = 0, completion_tokens = 0;
    double mean_logprob = 0;
    std::string upstream_body;  // escalated: the big model's JSON response
  };

  // Generates locally; `emit` gets text deltas (streaming), or nothing when null. When
  // emit returns false (the client is gone) generation stops, freeing the worker.
  Outcome generate_local(const Ask& a, const std::function<bool(const std::string&)>& emit) {
    const Tokenizer& tok = *loaded.tokenizer;
    GenerateRequest req;
    req.prompt = {tok.bos_id()};
    tok.encode(a.prompt, req.prompt);
    const int ctx = model->config().seq_len;
    if (static_cast<int>(req.prompt.size()) >= ctx)
      throw HttpError(
          400,
          fmt::format("This model's maximum context length is {} tokens. However, your prompt has {} tokens.", ctx,
                      req.prompt.size()),
          "invalid_request_error", a.chat ? "messages" : "prompt", "context_length_exceeded");
    req.max_tokens = a.max_tokens;
    req.sampling = a.sampling;
    req.stop_tokens = {tok.bos_id(), tok.eos_id()};
    req.vocab_limit = tok.vocab_size();  // never an id the tokenizer cannot decode
    Outcome o;
    std::vector<int> ids;
    std::string text;
    size_t sent = 0;
    bool stopped = false, gone = false;
    const GenerateResult r = generate(*model, req, [&](int t) {
      ids.push_back(t);
      text = tok.decode_continuation(req.prompt, ids);
      for (const auto& s : a.stop)
        if (auto at = text.find(s); at != std::string::npos) {
          text.resize(at);
          stopped = true;
        }
      if (emit) {
        const size_t safe = stopped ? text.size() : safe_length(text, a.stop);
        if (safe > sent) {
          gone = !emit(text.substr(sent, safe - sent));
          sent = safe;
        }
      }
      return !stopped && !gone;
    });
    if (emit && !gone && text.size() > sent) emit(text.substr(sent));
    o.text = text;
    o.finish_reason = stopped ? "stop" : r.finish_reason;
    o.prompt_tokens = r.prompt_tokens;
    o.completion_tokens = static_cast<int>(r.tokens.size());
    o.mean_logprob = r.tokens.empty() ? 0 : r.sum_logprob / static_cast<double>(r.tokens.size());
    return o;
  }

  // Forwards the request body to the bigger model; returns false on any failure (logged,
  // with the upstream's own message).
  bool escalate(const std::string& body, bool chat, std::string& response) {
    // the upstream answers in one piece; streaming to the client is done here
    std::string upstream = body;
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element root;
    if (!parser.parse(padded).get(root)) {
      JsonWriter w;
      w.begin_object();
      for (auto [k, v] : root.get_object()) {
        if (k == "stream" || k == "top_k") continue;
        if (k == "model" && !options.escalate_model.empty()) continue;
        w.key(k).raw(simdjson::minify(v));
      }
      if (!options.escalate_model.empty()) w.field("model", options.escalate_model);
      w.end_object();
      upstream = w.take();
    }
    generators::HttpResponse r = (chat ? upstream_chat : upstream_completions)->post(upstream);
    if (r.decision != generators::RetryDecision::kSuccess) {
      std::fprintf(stderr, "primer serve: escalation failed: %s; answered locally\n", r.error.c_str());
      return false;
    }
    simdjson::padded_string check(r.body);
    if (parser.parse(check).get(root) || !root.is_object()) {
      std::fprintf(stderr, "primer serve: escalation failed: the answer is not a JSON object; answered locally\n");
      return false;
    }
    response = std::move(r.body);
    return true;
  }

  // The text of an upstream response (for re-streaming it).
  static std::string upstream_text(const std::string& body, bool chat, std::string& finish) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element root;
    std::string_view s;
    finish = "stop";
    if (parser.parse(padded).get(root)) return "";
    auto choice = root["choices"].at(0);
    if (!choice["finish_reason"].get_string().get(s)) finish = std::string(s);
    if (chat ? !choice["message"]["content"].get_string().get(s) : !choice["text"].get_string().get(s))
      return std::string(s);
    return "";
  }

  std::string completion_json(const Ask& a, const Outcome& o, const std::string& id) const {
    JsonWriter w;
    w.begin_object().field("id", id).field("object", a.chat ? "chat.completion" : "text_completion");
    w.field("created", created).field("model", name).key("choices").begin_array().begin_object().field("index", 0);
    if (a.chat) w.key("message").begin_object().field("role", "assistant").field("content", o.text).end_object();
    else w.field("text", o.text).key("logprobs").raw("null");
    w.field("finish_reason", o.finish_reason).end_object().end_array();
    w.key("usage")
        .begin_object()
        .field("prompt_tokens", o.prompt_tokens)
        .field("completion_tokens", o.completion_tokens);
    w.field("total_tokens", o.prompt_tokens + o.completion_tokens).end_object();
    w.field("primer_route", o.route).field("primer_mean_logprob", o.mean_logprob).end_object();
    return w.take();
  }

  std::string chunk_json(const Ask& a, const std::string& id, const std::string* delta, const std::string* finish,
                         bool role) const {
    JsonWriter w;
    w.begin_object().field("id", id).field("object", a.chat ? "chat.completion.chunk" : "text_completion");
    w.field("created", created).field("model", name).key("choices").begin_array().begin_object().field("index", 0);
    if (a.chat) {
      w.key("delta").begin_object();
      if (role) w.field("role", "assistant");
      if (delta) w.field("content", *delta);
      w.end_object();
    } else {
      w.field("text", delta ? *delta : std::string()).key("logprobs").raw("null");
    }
    if (finish) w.field("finish_reason", *finish);
    else w.key("finish_reason").raw("null");
    w.end_object().end_array().end_object();
    return "data: " + w.take() + "\n\n";
  }

  void record(const Outcome& o, double seconds) {
    std::lock_guard lock(metrics_mutex);
    Route& r = o.route == "escalated" ? escalated : local;
    r.requests++, r.prompt_tokens += o.prompt_tokens, r.completion_tokens += o.completion_tokens, r.seconds += seconds;
  }

  // `slot` is this request's turn to generate: kept until its last byte is sent.
  void handle(const httplib::Request& req, httplib::Response& res, bool chat, HttpServer::Slot slot) {
    const auto start = Clock::now();
    Ask a;
    try {
      a = parse_request(req.body, chat, name);
    } catch (const HttpError& e) {
      fail(res, e);
      return;
    }
    static std::atomic<uint64_t> counter{0};
    const std::string id = fmt::format("{}-primer{:x}{:06d}", chat ? "chatcmpl" : "cmpl", created, ++counter);
    const bool routing = !options.escalate_to.empty();
    if (a.stream && !routing) {
      // stream as the model writes
      res.set_header("x-primer-route", "local");
      res.set_chunked_content_provider("text/event-stream", [this, a, id, start, slot](size_t,
                                                                                       httplib::DataSink& sink) {
        bool first = true;
        try {
          Outcome o = generate_local(a, [&](const std::string& delta) {
            const std::string c = chunk_json(a, id, &delta, nullptr, first && a.chat);
            first = false;
            return sink.write(c.data(), c.size());
          });
          const std::string c = chunk_json(a, id, nullptr, &o.finish_reason, first && a.chat);
          sink.write(c.data(), c.size());
          record(o, std::chrono::duration<double>(Clock::now() - start).count());
        } catch (const HttpError& e) {
          const std::string c = "data: " + openai_error_body(e) + "\n\n";
          sink.write(c.data(), c.size());
        } catch (const std::exception& e) {  // the headers are out: the error goes in the stream
          std::fprintf(stderr, "primer serve: internal error while streaming: %s\n", e.what());
          const std::string c =
              "data: " +
              openai_error_body(HttpError(500, "The server had an error while generating.", "server_error")) + "\n\n";
          sink.write(c.data(), c.size());
        }
        sink.write("data: [DONE]\n\n", 14);
        sink.done();
        return true;
      });
      return;
    }
    Outcome o;
    try {
      o = generate_local(a, nullptr);
    } catch (const HttpError& e) {
      fail(res, e);
      return;
    }
    slot.reset();  // waiting for a bigger model is not generating: let the next request in
    if (routing && o.mean_logprob < options.escalate_below) {
      std::string upstream;
      if (escalate(req.body, chat, upstream)) {
        o.route = "escalated";
        o.upstream_body = upstream;
      } else {
        std::lock_guard lock(metrics_mutex);
        escalation_errors++;
      }
    }
    record(o, std::chrono::duration<double>(Clock::now() - start).count());
    res.set_header("x-primer-route", o.route);
    if (!a.stream) {
      if (o.route == "escalated") {
        // the big model's answer, marked with the route
        std::string body = o.upstream_body;
        while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
        if (!body.empty() && body.back() == '}') body.insert(body.size() - 1, ",\"primer_route\":\"escalated\"");
        res.set_content(body, "application/json");
      } else {
        res.set_content(completion_json(a, o, id), "application/json");
      }
      return;
    }
    // streaming with routing: the whole answer was needed to decide; send it as chunks
    std::string finish = o.finish_reason, text = o.text;
    if (o.route == "escalated") text = upstream_text(o.upstream_body, chat, finish);
    std::string sse =
        chunk_json(a, id, &text, nullptr, a.chat) + chunk_json(a, id, nullptr, &finish, false) + "data: [DONE]\n\n";
    res.set_content(sse, "text/event-stream");
  }

  void fail(httplib::Response& res, const HttpError& e) {
    {
      std::lock_guard lock(metrics_mutex);
      errors++;
    }
    res.status = e.status;
    res.set_content(openai_error_body(e), "application/json");
  }

  std::string metrics_text() {
    std::lock_guard lock(metrics_mutex);
    std::string m;
    auto route = [&](const char* label, const Route& r) {
      m += fmt::format("primer_requests_total{{route=\"{}\"}} {}\n", label, r.requests);
      m += fmt::format("primer_request_seconds_sum{{route=\"{}\"}} {:.6f}\n", label, r.seconds);
      m += fmt::format("primer_request_seconds_mean{{route=\"{}\"}} {:.6f}\n", label,
                       r.requests ? r.seconds / static_cast<double>(r.requests) : 0.0);
      m += fmt::format("primer_prompt_tokens_total{{route=\"{}\"}} {}\n", label, r.prompt_tokens);
      m += fmt::format("primer_completion_tokens_total{{route=\"{}\"}} {}\n", label, r.completion_tokens);
    };
    route("local", local);
    route("escalated", escalated);
    const uint64_t total = local.requests + escalated.requests;
    m += fmt::format("primer_escalated_share {:.6f}\n", total ? static_cast<double>(escalated.requests) / total : 0.0);
    m += fmt::format("primer_escalation_errors_total {}\n", escalation_errors);
    m += fmt::format("primer_request_errors_total {}\n", errors);
    const HttpServer::Stats h = http->stats();
    m += fmt::format("primer_open_connections {}\nprimer_requests_running {}\nprimer_requests_queued {}\n",
                     h.connections, h.running, h.queued);
    m += fmt::format("primer_rejected_total{{reason=\"connections\"}} {}\n", h.rejected_connections);
    m += fmt::format("primer_rejected_total{{reason=\"queue\"}} {}\n", h.rejected_queue);
    m += fmt::format("primer_request_timeouts_total {}\nprimer_internal_errors_total {}\n", h.timed_out,
                     h.internal_errors);
    return m;
  }
};

Server::Server(LoadedModel loaded, ServeOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  if (!loaded.tokenizer)
    throw ModelError(loaded.path.string() + " carries no tokenizer (tokenizer.model); the server needs one for text");
  s.loaded = std::move(loaded);
  s.options = std::move(options);
  s.model = std::make_unique<InferenceModel>(inference_model(s.loaded));
  s.loaded.weights = {};  // decoding reads s.model's copy, in the file's own format
  s.name = s.options.model_name;
  if (s.name.empty()) {
    std::filesystem::path p = s.loaded.path;
    s.name = p.filename().string().starts_with("step-") ? p.parent_path().parent_path().filename().string()
                                                        : p.stem().string();
    if (s.name.empty()) s.name = "primer";
  }
  if (!s.options.escalate_to.empty()) {
    auto upstream = [&](bool chat) {
      return std::make_unique<generators::OpenAiClient>(generators::ClientOptions{
          .base_url = s.options.escalate_to,
          .path = std::string(generators::endpoint_path(chat)),
          .api_key_env = s.options.api_key_env,
          .connect_timeout_s = s.options.escalate_timeout_s,  // no limit of its own: the whole request's
          .timeout_s = s.options.escalate_timeout_s});
    };
    s.upstream_completions = upstream(false);
    s.upstream_chat = upstream(true);
  }
  s.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  HttpLimits limits;
  limits.workers = std::max(1, s.options.http_threads);
  limits.max_queued = s.options.max_queued;
  limits.max_connections = s.options.max_connections;
  limits.max_body_bytes = s.options.max_body_bytes;
  limits.request_timeout_s = s.options.request_timeout_s;
  limits.idle_timeout_s = s.options.idle_timeout_s;
  s.http = std::make_unique<HttpServer>(limits);
  s.http->get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  s.http->get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    JsonWriter w;
    w.begin_object().field("object", "list").key("data").begin_array().begin_object();
    w.field("id", impl_->name).field("object", "model").field("created", impl_->created).field("owned_by", "primer");
    w.field("context_length", impl_->model->config().seq_len).end_object().end_array().end_object();
    res.set_content(w.take(), "application/json");
  });
  s.http->get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(impl_->metrics_text(), "text/plain; version=0.0.4");
  });
  s.http->post("/v1/completions", [this](const httplib::Request& q, httplib::Response& r, HttpServer::Slot slot) {
    impl_->handle(q, r, false, std::move(slot));
  });
  s.http->post("/v1/chat/completions", [this](const httplib::Request& q, httplib::Response& r, HttpServer::Slot slot) {
    impl_->handle(q, r, true, std::move(slot));
  });
}

Server::~Server() = default;

int Server::bind() {
  try {
    return impl_->http->bind(impl_->options.host, impl_->options.port);
  } catch (const std::runtime_error& e) {
    throw ModelError(e.what());
  }
}

std::string request_prompt(std::string_view body, bool chat, const std::string& served_name) {
  return parse_request(std::string(body), chat, served_name).prompt;
}

void Server::listen() { impl_->http->listen(); }
void Server::stop() { impl_->http->stop(); }
const std::string& Server::model_name() const { return impl_->name; }

}  // namespace primer::model
