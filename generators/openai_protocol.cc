#include "generators/openai_protocol.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "base/json.h"
#include "base/text.h"

namespace primer::generators {
namespace {

// Text of an HTML page or other non-JSON body, shortened to one readable line.
std::string plain_text_summary(std::string_view body) {
  std::string out;
  bool in_tag = false, space = false;
  for (char c : body) {
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (c == '>') {
      in_tag = false;
      space = true;
      continue;
    }
    if (in_tag) continue;
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= 160) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string element_to_string(simdjson::dom::element e) {
  if (e.is_string()) return std::string(std::string_view(e));
  if (e.is_null()) return {};
  if (e.is_int64()) return std::to_string(int64_t(e));
  if (e.is_uint64()) return std::to_string(uint64_t(e));
  return simdjson::minify(e);
}

// One parser per thread for replies and stream chunks: a parser allocates buffers sized
// to the document, so a fresh one per reply costs an allocation and page faults each time.
// Its documents are copied out before the next parse; an unusually large reply's buffers
// are not kept.
simdjson::dom::parser& reply_parser() {
  thread_local simdjson::dom::parser parser;
  if (parser.capacity() > (size_t{8} << 20)) parser = simdjson::dom::parser();
  return parser;
}

}  // namespace

int64_t request_seed(uint64_t prompt_id) { return static_cast<int64_t>(prompt_id & 0x7FFFFFFFull); }

std::string_view endpoint_path(const RequestOptions& o) { return endpoint_path(o.endpoint != "completions"); }
std::string_view endpoint_path(bool chat) { return chat ? "/chat/completions" : "/completions"; }

std::string request_body(const RequestOptions& o, const base::PromptSpec& prompt) {
  base::JsonWriter w;
  w.begin_object().field("model", o.model);
  if (o.endpoint == "completions") {
    w.field("prompt", prompt.text);
  } else {
    w.key("messages").begin_array();
    if (!o.system_prompt.empty())
      w.begin_object().field("role", "system").field("content", o.system_prompt).end_object();
    w.begin_object().field("role", "user").field("content", prompt.text).end_object();
    w.end_array();
  }
  w.field(o.max_tokens_field, o.max_tokens).field("temperature", o.temperature);
  if (o.top_p) w.field("top_p", *o.top_p);
  if (o.seed) w.field("seed", request_seed(prompt.id));
  if (o.n != 1) w.field("n", o.n);
  if (!o.stop.empty()) {
    w.key("stop").begin_array();
    for (const auto& s : o.stop) w.value(s);
    w.end_array();
  }
  if (o.stream) {
    w.field("stream", true);
    w.key("stream_options").begin_object().field("include_usage", true).end_object();
  }
  w.end_object();
  std::string body = w.take();
  if (!o.extra_body.empty()) {
    body.pop_back();  // '}'
    body += ",";
    body += o.extra_body;
    body += "}";
  }
  return body;
}

ApiError parse_error_body(long status, std::string_view body) {
  ApiError e;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string_view t = base::trim(body);
  if (!t.empty() && t.front() == '{' && !parser.parse(t.data(), t.size()).get(root) && root.is_object()) {
    simdjson::dom::element err;
    // OpenAI, llama.cpp, Ollama: {"error": {...}} or {"error": "text"}; vLLM < 0.10.1:
    // flat {"object":"error","message":...,"type":...,"code":400}.
    simdjson::dom::element src = root;
    if (!root["error"].get(err)) {
      if (err.is_string()) {
        e.message = std::string(std::string_view(err));
      } else if (err.is_object()) {
        src = err;
      }
    }
    simdjson::dom::element v;
    if (e.message.empty() && !src["message"].get(v)) e.message = element_to_string(v);
    if (!src["type"].get(v)) e.type = element_to_string(v);
    if (!src["code"].get(v)) e.code = element_to_string(v);
    if (e.message.empty() && !root["detail"].get(v)) e.message = element_to_string(v);  // FastAPI-style
  } else if (!t.empty()) {
    e.message = plain_text_summary(t);  // HTML proxy page or plain text
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(status) + " with an empty body";
  else e.message = "HTTP " + std::to_string(status) + ": " + e.message;
  return e;
}

ParsedReply parse_completion(std::string_view body, bool chat) {
  ParsedReply r;
  simdjson::dom::parser& parser = reply_parser();
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err) {
    r.error = std::string("malformed JSON in the response (") + simdjson::error_message(err) + ")";
    return r;
  }
  simdjson::dom::array choices;
  if (root["choices"].get(choices) || choices.size() == 0) {
    simdjson::dom::element e;
    r.error = !root["error"].get(e) ? parse_error_body(200, body).message : "the response has no choices";
    return r;
  }
  simdjson::dom::element c0 = choices.at(0);
  simdjson::dom::element text;
  bool have = chat ? !c0["message"]["content"].get(text) : !c0["text"].get(text);
  if (have && text.is_string()) {
    r.reply.text = std::string(std::string_view(text));
  } else if (have && text.is_null()) {
    r.reply.text.clear();  // content: null (a refusal or a tool call): an empty reply
  } else {
    r.error = chat ? "the response has no choices[0].message.content" : "the response has no choices[0].text";
    return r;
  }
  simdjson::dom::element fr;
  r.reply.finish_reason = !c0["finish_reason"].get(fr) && fr.is_string() ? std::string(std::string_view(fr)) : "stop";
  simdjson::dom::element usage;
  if (!root["usage"].get(usage) && usage.is_object()) {
    uint64_t v = 0;
    if (!usage["prompt_tokens"].get(v)) r.reply.usage.prompt_tokens = static_cast<uint32_t>(v);
    if (!usage["completion_tokens"].get(v)) r.reply.usage.completion_tokens = static_cast<uint32_t>(v);
  }
  r.ok = true;
  return r;
}

std::optional<double> parse_duration(std::string_view text) {
  const std::string_view t = base::trim(text);
  if (t.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  bool any_unit = false;
  while (i < t.size()) {
    size_t j = i;
    while (j < t.size() && ((t[j] >= '0' && t[j] <= '9') || t[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    double value = 0;
    try {
      value = std::stod(std::string(t.substr(i, j - i)));
    } catch (...) {
      return std::nullopt;
    }
    size_t k = j;
    while (k < t.size() && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z'))) ++k;
    const std::string unit = base::ascii_lower(t.substr(j, k - j));
    if (unit.empty()) {
      if (any_unit || k != t.size()) return std::nullopt;
      return value;  // plain seconds
    }
    any_unit = true;
    if (unit == "ms") total += value / 1000;
    else if (unit == "s") total += value;
    else if (unit == "m") total += value * 60;
    else if (unit == "h") total += value * 3600;
    else if (unit == "us" || unit == "µs") total += value / 1e6;
    else return std::nullopt;
    i = k;
  }
  return total;
}

std::optional<double> retry_after_seconds(const Headers& headers, double now_unix, double cap) {
  // "nan" (std::stod reads it) would become a retry time that never comes: the call would
  // sit first in the I/O thread's queue of delayed calls forever, spinning the thread.
  auto clamp = [&](double s) -> std::optional<double> {
    if (!std::isfinite(s)) return std::nullopt;
    return std::clamp(s, 0.0, cap);
  };
  if (auto it = headers.find("retry-after-ms"); it != headers.end()) {
    try {
      if (auto s = clamp(std::stod(it->second) / 1000.0)) return s;
    } catch (...) {
    }
  }
  if (auto it = headers.find("retry-after"); it != headers.end()) {
    const std::string v(base::trim(it->second));
    if (!v.empty() && v.find_first_not_of("0123456789.") == std::string::npos) {
      try {
        return clamp(std::stod(v));
      } catch (...) {
      }
    }
    std::tm tm{};  // HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT"
    if (strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return clamp(double(timegm(&tm)) - now_unix);
  }
  return std::nullopt;
}

RetryDecision classify_status(long status, const Headers& headers, std::string_view body) {
  if (status >= 200 && status < 300) return RetryDecision::kSuccess;
  if (status == 429) {
    const ApiError e = parse_error_body(status, body);
    if (e.code == "insufficient_quota" || e.type == "insufficient_quota") return RetryDecision::kStopRun;
  }
  if (auto it = headers.find("x-should-retry"); it != headers.end()) {
    if (it->second == "true") return RetryDecision::kRetry;
    if (it->second == "false") return RetryDecision::kFail;
  }
  if (status == 0 || status == 408 || status == 409 || status == 429 || status >= 500) return RetryDecision::kRetry;
  return RetryDecision::kFail;
}

double backoff_seconds(int attempt, double u) {
  const double base = std::min(0.5 * std::pow(2.0, attempt), 8.0);
  return base * (1.0 - 0.25 * u);
}

void SseParser::feed(std::string_view bytes) {
  buffer_.append(bytes);
  size_t start = 0;
  for (;;) {
    const size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = nl + 1;
    if (line.empty()) {  // end of an event
      if (has_data_) event(data_);
      data_.clear();
      has_data_ = false;
      continue;
    }
    if (line.front() == ':') continue;  // comment / keep-alive
    const size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data_) data_.push_back('\n');
      data_.append(value);
      has_data_ = true;
    }
  }
  buffer_.erase(0, start);
}

void SseParser::event(std::string_view data) {
  if (done_ || !error_.empty()) return;
  if (base::trim(data) == "[DONE]") {
    done_ = true;
    return;
  }
  simdjson::dom::parser& parser = reply_parser();
  simdjson::dom::element root;
  if (parser.parse(data.data(), data.size()).get(root)) {
    error_ = "malformed JSON in a streamed chunk";
    return;
  }
  simdjson::dom::element err;
  if (!root["error"].get(err)) {
    error_ = "the server sent an error event: " + parse_error_body(200, data).message;
    return;
  }
  simdjson::dom::array choices;
  if (!root["choices"].get(choices) && choices.size() > 0) {
    simdjson::dom::element c0 = choices.at(0);
    simdjson::dom::element piece;
    if (chat_ ? !c0["delta"]["content"].get(piece) : !c0["text"].get(piece))
      if (piece.is_string()) reply_.text.append(std::string_view(piece));
    simdjson::dom::element fr;
    if (!c0["finish_reason"].get(fr) && fr.is_string()) reply_.finish_reason = std::string(std::string_view(fr));
  }
  simdjson::dom::element usage;
  if (!root["usage"].get(usage) && usage.is_object()) {
    uint64_t v = 0;
    if (!usage["prompt_tokens"].get(v)) reply_.usage.prompt_tokens = static_cast<uint32_t>(v);
    if (!usage["completion_tokens"].get(v)) reply_.usage.completion_tokens = static_cast<uint32_t>(v);
  }
}

ParsedReply SseParser::finish() const {
  ParsedReply r;
  if (!error_.empty()) {
    r.error = error_;
  } else if (!done_) {
    r.error = "the stream was cut before [DONE]";
  } else {
    r.ok = true;
    r.reply = reply_;
  }
  return r;
}

std::optional<Price> builtin_price(std::string_view model) {
  // USD per 1M tokens (input, output).
  static const std::pair<std::string_view, Price> kTable[] = {
      {"gpt-4o-mini", {0.15, 0.60}},    {"gpt-4o", {5.00, 15.00}},          {"gpt-4.1-nano", {0.10, 0.40}},
      {"gpt-4.1-mini", {0.40, 1.60}},   {"gpt-4.1", {2.00, 8.00}},          {"gpt-3.5-turbo", {0.50, 1.50}},
      {"claude-3-haiku", {0.25, 1.25}}, {"claude-3-5-haiku", {0.80, 4.00}}, {"claude-3-5-sonnet", {3.00, 15.00}},
      {"llama-3-8b", {0.05, 0.08}},     {"llama3-8b", {0.05, 0.08}},        {"gemini-1.5-flash", {0.35, 1.05}},
  };
  const std::string m = base::ascii_lower(model);
  for (const auto& [name, price] : kTable)
    if (m == name) return price;
  // Longest prefix ("gpt-4o-mini-2024-07-18" → gpt-4o-mini), also after a provider
  // path ("groq/llama-3-8b-8192").
  const std::string_view base = std::string_view(m).substr(m.rfind('/') == std::string::npos ? 0 : m.rfind('/') + 1);
  size_t best_len = 0;
  std::optional<Price> best;
  for (const auto& [name, price] : kTable)
    if (base.starts_with(name) && name.size() > best_len) {
      best_len = name.size();
      best = price;
    }
  return best;
}

double cost_usd(const Price& price, const base::Usage& usage, bool batch) {
  const double c = (price.input * usage.prompt_tokens + price.output * usage.completion_tokens) / 1e6;
  return batch ? c * 0.5 : c;
}

}  // namespace primer::generators
