#include "generators/http_teacher.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

namespace primer::generators {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A token bucket that starts full; rate 0 means unlimited.
struct Bucket {
  double per_minute = 0;
  double level = 0;
  double last = 0;
  double paused_until = 0;  // set from x-ratelimit-* headers

  void init(double rpm, double t) {
    per_minute = rpm;
    level = rpm;
    last = t;
  }
  void refill(double t) {
    if (per_minute <= 0) return;
    level = std::min(per_minute, level + (t - last) * per_minute / 60.0);
    last = t;
  }
  // Seconds until `n` can be taken (0: now).
  double wait_for(double n, double t) {
    double w = std::max(0.0, paused_until - t);
    if (per_minute <= 0) return w;
    refill(t);
    const double need = std::min(n, per_minute);  // a request larger than the bucket waits for a full one
    if (level < need) w = std::max(w, (need - level) * 60.0 / per_minute);
    return w;
  }
  void take(double n) {
    if (per_minute > 0) level -= std::min(n, per_minute);
  }
};

struct Call {
  uint64_t index = 0;
  std::string body;
  double est_tokens = 0;
  int attempt = 0;  // attempts started
  double not_before = 0;
  // The current attempt.
  CURL* easy = nullptr;
  std::string response;
  Headers headers;
  char errbuf[CURL_ERROR_SIZE] = {};
  long status = 0;
  CURLcode code = CURLE_OK;
  double last_activity = 0;  // steady seconds of the last byte received (stall detector)
  bool stalled = false;
  // When the I/O thread gave up: the reason.
  bool failed = false;
  bool stop_run = false;
  std::string error, error_class;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<Call*>(user)->response.append(data, size * n);
  static_cast<Call*>(user)->last_activity = now_s();
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  static_cast<Call*>(user)->last_activity = now_s();
  const std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    static_cast<Call*>(user)->headers[std::move(name)] = std::string(value);
  } else if (line.starts_with("HTTP/")) {
    static_cast<Call*>(user)->headers.clear();  // a new response (after 100-continue or a redirect)
  }
  return size * n;
}

std::string transport_class(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "connect";
    default: return "transport";
  }
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct HttpTeacher::Impl {
  const HttpTeacherOptions& options;
  std::string url;
  std::string auth_header;  // "Authorization: Bearer ..." (never printed)
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;

  // Shared with other threads.
  mutable std::mutex mu;
  std::condition_variable done_cv;
  std::deque<std::unique_ptr<Call>> inbox;  // new and re-queued calls
  std::deque<std::unique_ptr<Call>> done;   // finished calls for wait()
  std::atomic<bool> stopping{false};
  std::atomic<bool> quota{false};
  uint64_t outstanding = 0;
  HttpStats stats;
  std::map<std::string, uint64_t> errors;

  // I/O thread only.
  std::multimap<double, std::unique_ptr<Call>> delayed;  // by not_before
  std::deque<std::unique_ptr<Call>> ready;
  std::map<CURL*, std::unique_ptr<Call>> active;
  Bucket requests, tokens;
  std::mt19937_64 jitter{std::random_device{}()};
  std::thread io;
  double last_stall_check = 0;

  explicit Impl(const HttpTeacherOptions& o) : options(o) {
    static CurlGlobal global;
    url = o.base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += endpoint_path(o.request);
    if (const char* key = std::getenv(o.api_key_env.c_str()); key && *key) auth_header = std::string("Authorization: Bearer ") + key;
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(o.max_in_flight, 8)));
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (!auth_header.empty()) headers = curl_slist_append(headers, auth_header.c_str());
    const double t = now_s();
    requests.init(o.rpm, t);
    tokens.init(o.tpm, t);
    io = std::thread([this] { loop(); });
  }

  ~Impl() {
    stopping = true;
    curl_multi_wakeup(multi);
    io.join();
    for (auto& [easy, call] : active) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }

  void count_error(const std::string& cls) {  // with mu held
    ++errors[cls];
  }

  void start(std::unique_ptr<Call> call) {
    CURL* e = curl_easy_init();
    call->easy = e;
    call->response.clear();
    call->headers.clear();
    call->errbuf[0] = 0;
    call->status = 0;
    ++call->attempt;
    call->last_activity = now_s();
    call->stalled = false;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(call->body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, call.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    {
      std::lock_guard lock(mu);
      ++stats.sent;
      ++stats.in_flight;
    }
    curl_multi_add_handle(multi, e);
    active.emplace(e, std::move(call));
  }

  void adapt_to_headers(const Headers& h, double t) {
    auto num = [&](const char* name) -> std::optional<double> {
      auto it = h.find(name);
      if (it == h.end()) return std::nullopt;
      try {
        return std::stod(it->second);
      } catch (...) {
        return std::nullopt;
      }
    };
    auto reset = [&](const char* name) -> double {
      auto it = h.find(name);
      if (it == h.end()) return 1.0;
      return parse_duration(it->second).value_or(1.0);
    };
    // Azure has sent -1 / 0 placeholders: only a positive reset with remaining 0 pauses.
    if (auto r = num("x-ratelimit-remaining-requests"); r && *r <= 0)
      requests.paused_until = std::max(requests.paused_until, t + std::min(reset("x-ratelimit-reset-requests"), options.retry_cap_s));
    if (auto r = num("x-ratelimit-remaining-tokens"); r && *r < options.request.max_tokens)
      tokens.paused_until = std::max(tokens.paused_until, t + std::min(reset("x-ratelimit-reset-tokens"), options.retry_cap_s));
  }

  void finish_attempt(CURL* easy, CURLcode code) {
    auto it = active.find(easy);
    std::unique_ptr<Call> call = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &call->status);
    curl_easy_cleanup(easy);
    call->easy = nullptr;
    call->code = code;
    const double t = now_s();
    adapt_to_headers(call->headers, t);
    if (call->stalled) code = CURLE_OPERATION_TIMEDOUT;
    if (code != CURLE_OK) call->status = 0;
    const RetryDecision d = classify_status(call->status, call->headers, call->response);
    std::lock_guard lock(mu);
    --stats.in_flight;
    if (d == RetryDecision::kSuccess) {
      done.push_back(std::move(call));
      done_cv.notify_one();
      return;
    }
    const std::string cls = code != CURLE_OK ? transport_class(code) : "http_" + std::to_string(call->status);
    count_error(cls);
    const std::string message =
        call->stalled ? "the stream stalled: nothing received for " + std::to_string(int(options.stall_timeout_s)) + " s"
        : code != CURLE_OK ? std::string(curl_easy_strerror(code)) + (call->errbuf[0] ? std::string(" (") + call->errbuf + ")" : "")
                         : parse_error_body(call->status, call->response).message;
    if (d == RetryDecision::kRetry && call->attempt < options.max_attempts && !quota) {
      const double u = std::uniform_real_distribution<double>(0, 1)(jitter);
      const double wait = retry_after_seconds(call->headers, unix_now(), options.retry_cap_s)
                              .value_or(backoff_seconds(call->attempt - 1, u));
      if (call->status == 429 && call->headers.count("retry-after") + call->headers.count("retry-after-ms") > 0)
        requests.paused_until = std::max(requests.paused_until, t + wait);  // the server asked everyone to wait
      call->not_before = t + wait;
      ++stats.retries;
      delayed.emplace(call->not_before, std::move(call));
      return;
    }
    call->failed = true;
    call->error_class = cls;
    call->error = message + (d == RetryDecision::kRetry ? " (after " + std::to_string(call->attempt) + " attempts)" : "");
    if (d == RetryDecision::kStopRun) {
      call->stop_run = true;
      quota = true;
    }
    done.push_back(std::move(call));
    done_cv.notify_one();
  }

  void loop() {
    while (!stopping) {
      {
        std::lock_guard lock(mu);
        while (!inbox.empty()) {
          auto call = std::move(inbox.front());
          inbox.pop_front();
          if (call->not_before > 0) delayed.emplace(call->not_before, std::move(call));
          else ready.push_back(std::move(call));
        }
      }
      double t = now_s();
      while (!delayed.empty() && delayed.begin()->first <= t) {
        ready.push_back(std::move(delayed.begin()->second));
        delayed.erase(delayed.begin());
      }
      double wait_s = 1.0;
      while (!ready.empty() && static_cast<int>(active.size()) < options.max_in_flight && !quota) {
        const double w = std::max(requests.wait_for(1, t), tokens.wait_for(ready.front()->est_tokens, t));
        if (w > 0) {
          wait_s = std::min(wait_s, w);
          break;
        }
        requests.take(1);
        tokens.take(ready.front()->est_tokens);
        auto call = std::move(ready.front());
        ready.pop_front();
        start(std::move(call));
      }
      if (quota) {  // abandon everything not yet sent
        std::lock_guard lock(mu);
        while (!ready.empty()) {
          auto call = std::move(ready.front());
          ready.pop_front();
          call->failed = true;
          call->stop_run = true;
          call->error_class = "insufficient_quota";
          call->error = "not sent: the API key has no quota left";
          done.push_back(std::move(call));
        }
        for (auto& [when, call] : delayed) {
          call->failed = true;
          call->stop_run = true;
          call->error_class = "insufficient_quota";
          call->error = "not retried: the API key has no quota left";
          done.push_back(std::move(call));
        }
        delayed.clear();
        done_cv.notify_all();
      }
      // Stall detector for streams: a stream that sends nothing for stall_timeout_s is
      // abandoned (a non-streamed reply legitimately sends nothing until it is done).
      if (options.request.stream && t - last_stall_check >= 0.1) {
        last_stall_check = t;
        std::vector<CURL*> stalled;
        for (auto& [easy, call] : active)
          if (t - call->last_activity > options.stall_timeout_s) {
            call->stalled = true;
            stalled.push_back(easy);
          }
        for (CURL* easy : stalled) finish_attempt(easy, CURLE_OPERATION_TIMEDOUT);
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left))
        if (m->msg == CURLMSG_DONE) finish_attempt(m->easy_handle, m->data.result);
      if (!delayed.empty()) wait_s = std::min(wait_s, std::max(0.0, delayed.begin()->first - now_s()));
      // Finished transfers freed slots: start the queued requests without waiting.
      if (!ready.empty() && static_cast<int>(active.size()) < options.max_in_flight && !quota) {
        const double t2 = now_s();
        wait_s = std::min(wait_s, std::max(requests.wait_for(1, t2), tokens.wait_for(ready.front()->est_tokens, t2)));
      }
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::ceil(wait_s * 1000)), nullptr);
    }
  }
};

HttpTeacher::HttpTeacher(HttpTeacherOptions options) : options_(std::move(options)) {
  if (options_.max_in_flight < 1) throw std::invalid_argument("max_in_flight must be at least 1");
  if (options_.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  impl_ = std::make_unique<Impl>(options_);
}

HttpTeacher::~HttpTeacher() = default;

double HttpTeacher::estimate_tokens(const prompts::PromptSpec& prompt) const {
  return static_cast<double>(prompt.text.size()) / 4.0 + static_cast<double>(options_.request.max_tokens);
}

void HttpTeacher::submit(uint64_t index, const prompts::PromptSpec& prompt) {
  auto call = std::make_unique<Call>();
  call->index = index;
  call->body = request_body(options_.request, prompt);
  call->est_tokens = estimate_tokens(prompt);
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->outstanding;
    impl_->inbox.push_back(std::move(call));
  }
  curl_multi_wakeup(impl_->multi);
}

std::vector<Completion> HttpTeacher::wait(double timeout_s) {
  std::deque<std::unique_ptr<Call>> calls;
  {
    std::unique_lock lock(impl_->mu);
    impl_->done_cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return !impl_->done.empty(); });
    calls.swap(impl_->done);
  }
  std::vector<Completion> out;
  const bool chat = options_.request.endpoint != "completions";
  bool requeued = false;
  for (auto& call : calls) {
    Completion c;
    c.index = call->index;
    c.attempts = call->attempt;
    if (call->failed) {
      c.error = call->error;
      c.error_class = call->error_class;
      c.stop_run = call->stop_run;
    } else {
      ParsedReply p;
      if (options_.request.stream) {
        SseParser sse(chat);
        sse.feed(call->response);
        sse.feed("\n\n");  // a final event without its blank line still counts
        p = sse.finish();
      } else {
        p = parse_completion(call->response, chat);
      }
      if (p.ok) {
        c.ok = true;
        c.reply = std::move(p.reply);
        if (options_.price) c.cost_usd = cost_usd(*options_.price, c.reply.usage);
      } else if (call->attempt < options_.max_attempts && !impl_->quota) {
        // A 200 with a body we cannot use: retry like a server error.
        std::lock_guard lock(impl_->mu);
        impl_->count_error("malformed");
        ++impl_->stats.retries;
        call->not_before = now_s() + backoff_seconds(call->attempt - 1, 0.5);
        impl_->inbox.push_back(std::move(call));
        requeued = true;
        continue;
      } else {
        c.error = p.error + " (after " + std::to_string(call->attempt) + " attempts)";
        c.error_class = "malformed";
        std::lock_guard lock(impl_->mu);
        impl_->count_error("malformed");
      }
    }
    {
      std::lock_guard lock(impl_->mu);
      --impl_->outstanding;
      if (c.ok) {
        ++impl_->stats.succeeded;
        impl_->stats.prompt_tokens += c.reply.usage.prompt_tokens;
        impl_->stats.completion_tokens += c.reply.usage.completion_tokens;
        impl_->stats.cost_usd += c.cost_usd;
      } else {
        ++impl_->stats.failed;
      }
    }
    out.push_back(std::move(c));
  }
  if (requeued) curl_multi_wakeup(impl_->multi);
  return out;
}

uint64_t HttpTeacher::outstanding() const {
  std::lock_guard lock(impl_->mu);
  return impl_->outstanding;
}

bool HttpTeacher::quota_exhausted() const { return impl_->quota; }

HttpStats HttpTeacher::stats() const {
  std::lock_guard lock(impl_->mu);
  HttpStats s = impl_->stats;
  for (const auto& [cls, n] : impl_->errors) s.errors.emplace_back(cls, n);
  return s;
}

}  // namespace primer::generators
