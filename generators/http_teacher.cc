#include "generators/http_teacher.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/thread_name.h"
#include "generators/openai_client.h"
#include "generators/rate_limiter.h"

namespace primer::generators {
namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

struct Call {
  uint64_t index = 0;
  std::string body;
  double est_tokens = 0;
  int attempt = 0;  // attempts started
  double not_before = 0;
  double first_sent = -1;  // the I/O loop's clock when the first attempt started
  // The current attempt.
  CURL* easy = nullptr;
  int multi = -1;         // the Impl::multis entry it runs in
  HttpResponse response;  // its clock is the I/O loop's: last_activity feeds the stall detector
  bool stalled = false;
  // When the I/O thread gave up: the reason.
  bool failed = false;
  bool stop_run = false;
  std::string error, error_class;
};

}  // namespace

// The I/O thread runs libcurl's event-driven interface: curl tells which sockets to
// watch (on_socket → epoll) and when to call back (on_timer), and only the sockets
// that are ready are serviced, so a loop iteration costs what happened, not what is in
// flight. Easy handles are reused (their buffers and options stay; connections stay in
// the multi handle's cache), and submit() wakes the thread through an eventfd at most
// once per loop iteration.
//
// The requests in flight are spread over several multi handles, one per
// kConnectionsPerMulti, all served by this thread and its epoll set: to find a free
// keep-alive connection for a request, curl walks its multi handle's whole list of
// connections, which with 512 HTTP/1.1 connections in one handle cost ~2 us a request.
constexpr int kConnectionsPerMulti = 64;

struct HttpTeacher::Impl {
  struct Multi {
    Impl* impl = nullptr;
    CURLM* handle = nullptr;
    double timer_at = -1;  // when curl wants CURL_SOCKET_TIMEOUT; -1: no timer
    int active = 0;        // transfers running in it
  };

  const HttpTeacherOptions& options;
  OpenAiClient client;                         // the URL, the headers with the key, the shared handle options
  std::vector<std::unique_ptr<Multi>> multis;  // stable addresses: they are curl's callback data
  int epoll_fd = -1;
  int wake_fd = -1;  // eventfd: submit(), wait() (re-queued calls) and the destructor

  // Shared with other threads.
  mutable std::mutex mu;
  std::condition_variable done_cv;
  std::deque<std::unique_ptr<Call>> inbox;  // new and re-queued calls
  std::deque<std::unique_ptr<Call>> done;   // finished calls for wait()
  std::vector<std::string> spare;           // response buffers wait() is done with (capacity kept)
  std::atomic<bool> stopping{false};
  bool wait_interrupted = false;  // interrupt_wait(): the next wait() returns at once
  // Nothing more is sent: the API key has no quota left, or the server cannot be reached.
  // halt_class and halt_why (set before `halted`, by the I/O thread) name the reason for
  // the prompts abandoned.
  std::atomic<bool> halted{false};
  std::string halt_class, halt_why;
  double last_reached = -1;               // the clock of the last attempt that got an HTTP answer
  std::atomic<bool> wake_pending{false};  // a wake-up is written and not yet consumed
  uint64_t outstanding = 0;
  HttpStats stats;
  std::map<std::string, uint64_t> errors;

  // I/O thread only.
  std::multimap<double, std::unique_ptr<Call>> delayed;  // by not_before
  std::deque<std::unique_ptr<Call>> ready;
  std::unordered_map<CURL*, std::unique_ptr<Call>> active;
  std::vector<CURL*> idle_handles;   // finished easy handles, ready for the next call
  std::vector<std::string> buffers;  // response buffers to reuse: no malloc/free per reply
  double clock = 0;                  // steady seconds, refreshed every loop iteration
  // Outcomes of the attempts that ended in this iteration, handed over under one lock.
  std::vector<std::unique_ptr<Call>> finished;
  std::vector<std::string> finished_errors;
  std::vector<std::pair<CURL*, CURLcode>> done_messages;
  uint64_t finished_retries = 0;
  int ended = 0;
  RateLimiter limits;
  std::mt19937_64 jitter{std::random_device{}()};
  std::thread io;
  double last_stall_check = 0;

  explicit Impl(const HttpTeacherOptions& o)
      : options(o),
        client({.base_url = o.base_url,
                .path = std::string(endpoint_path(o.request)),
                .api_key_env = o.api_key_env,
                .connect_timeout_s = o.connect_timeout_s,
                .timeout_s = o.timeout_s,
                .max_reply_bytes = o.max_reply_bytes}),
        limits(o.rpm, o.tpm, static_cast<double>(o.request.max_tokens), o.retry_cap_s, now_s()) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0)
      throw std::runtime_error(std::string("cannot create the HTTP event loop: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    const int n_multis = (o.max_in_flight + kConnectionsPerMulti - 1) / kConnectionsPerMulti;
    const int per_multi = (o.max_in_flight + n_multis - 1) / n_multis;
    for (int i = 0; i < n_multis; ++i) {
      auto m = std::make_unique<Multi>();
      m->impl = this;
      m->handle = curl_multi_init();
      if (!m->handle) throw std::runtime_error("curl_multi_init failed (out of memory)");
      curl_multi_setopt(m->handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
      curl_multi_setopt(m->handle, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(per_multi, 8)));
      curl_multi_setopt(m->handle, CURLMOPT_SOCKETFUNCTION, on_socket);
      curl_multi_setopt(m->handle, CURLMOPT_SOCKETDATA, m.get());
      curl_multi_setopt(m->handle, CURLMOPT_TIMERFUNCTION, on_timer);
      curl_multi_setopt(m->handle, CURLMOPT_TIMERDATA, m.get());
      multis.push_back(std::move(m));
    }
    clock = now_s();
    active.reserve(static_cast<size_t>(o.max_in_flight));
    io = std::thread([this] {
      base::name_this_thread("primer-http");
      loop();
    });
  }

  ~Impl() {
    stopping = true;
    const uint64_t one = 1;  // unconditionally: a pending wake-up may already have been consumed
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
    io.join();
    for (auto& [easy, call] : active) {
      curl_multi_remove_handle(multis[static_cast<size_t>(call->multi)]->handle, easy);
      curl_easy_cleanup(easy);
    }
    for (CURL* easy : idle_handles) curl_easy_cleanup(easy);
    for (auto& m : multis)
      curl_multi_cleanup(m->handle);  // may still report sockets to on_socket: epoll_fd stays open until here
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  // Any thread: makes the I/O thread run its loop (once, however many callers).
  void wake() {
    if (wake_pending.exchange(true)) return;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  // What epoll holds for one fd. When a transfer ends on a kept-alive connection curl
  // reports CURL_POLL_REMOVE, and the next transfer on it adds the socket again: two
  // epoll_ctl calls per request for nothing. A connection socket curl stops watching
  // for input stays in the epoll set instead ("dormant"); a re-add with the same events
  // costs no call, and an event on a dormant socket (the server closed the idle
  // connection) removes it then. Only connection sockets can be dormant: on_open_socket
  // marks them and on_close_socket, which curl calls to close them, clears the entry, so
  // a later socket that gets the same number never looks registered.
  struct Watch {
    uint32_t events = 0;
    bool registered = false;
    bool dormant = false;
    bool connection = false;
    Multi* multi = nullptr;  // whose socket it is: its events go there
  };
  std::vector<Watch> watches;  // by fd; I/O thread (and the destructor after it)

  Watch& watch(curl_socket_t s) {
    if (static_cast<size_t>(s) >= watches.size()) watches.resize(static_cast<size_t>(s) + 64);
    return watches[static_cast<size_t>(s)];
  }

  void epoll_set(curl_socket_t s, Watch& w, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = s;
    if (w.registered) {
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT)
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s, &ev);
    } else {
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s, &ev);
    }
    w.events = events;
    w.registered = true;
  }

  void epoll_remove(curl_socket_t s, Watch& w) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s, nullptr);  // fails harmlessly if already closed
    w.registered = w.dormant = false;
  }

  static int on_socket(CURL*, curl_socket_t s, int what, void* user, void* known) {
    auto* multi = static_cast<Multi*>(user);
    Impl* self = multi->impl;
    Watch& w = self->watch(s);
    w.multi = multi;
    if (what == CURL_POLL_REMOVE) {
      if (w.connection && w.registered && w.events == EPOLLIN) w.dormant = true;
      else self->epoll_remove(s, w);
      return 0;
    }
    const uint32_t events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    if (!known) {
      // curl's first report since it last removed the socket: unless it is dormant
      // (then certainly still in the set), the set may hold a stale entry.
      if (!w.dormant) w.registered = false;
      curl_multi_assign(multi->handle, s, self);  // any non-null pointer: "registered"
    }
    w.dormant = false;
    if (!w.registered || w.events != events) self->epoll_set(s, w, events);
    return 0;
  }

  // A socket event on a dormant socket: curl is not watching it, so it leaves the set.
  bool drop_if_dormant(int fd) {
    if (static_cast<size_t>(fd) >= watches.size() || !watches[static_cast<size_t>(fd)].dormant) return false;
    epoll_remove(fd, watches[static_cast<size_t>(fd)]);
    return true;
  }

  static int on_open_socket(void* user, curl_socket_t s, curlsocktype purpose) {
    if (purpose == CURLSOCKTYPE_IPCXN) static_cast<Impl*>(user)->watch(s).connection = true;
    return CURL_SOCKOPT_OK;
  }

  static int on_close_socket(void* user, curl_socket_t s) {
    // Closing takes the socket out of the epoll set; the entry must say so.
    static_cast<Impl*>(user)->watch(s) = Watch{};
    return ::close(s);
  }

  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* multi = static_cast<Multi*>(user);
    // 0 ("now", after every new transfer) needs no clock reading.
    multi->timer_at = timeout_ms < 0    ? -1
                      : timeout_ms == 0 ? multi->impl->clock
                                        : now_s() + static_cast<double>(timeout_ms) / 1000.0;
    return 0;
  }

  // A handle with the client's options, and sockets reported to the epoll set (Watch).
  CURL* new_handle() {
    CURL* e = client.new_handle();
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, this);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    return e;
  }

  void count_error(const std::string& cls) {  // with mu held
    ++errors[cls];
  }

  void start(std::unique_ptr<Call> call) {
    CURL* e = nullptr;
    if (!idle_handles.empty()) {
      e = idle_handles.back();
      idle_handles.pop_back();
    } else {
      e = new_handle();
    }
    call->easy = e;
    call->response.clock = &clock;
    if (!buffers.empty() && call->attempt == 0) {  // a retry keeps the buffer it has
      call->response.body = std::move(buffers.back());
      buffers.pop_back();
    }
    client.prepare_request(e, call->body, call->response);
    if (call->attempt == 0) call->first_sent = clock;
    ++call->attempt;
    call->stalled = false;
    size_t k = 0;  // the multi handle with the fewest transfers
    for (size_t i = 1; i < multis.size(); ++i)
      if (multis[i]->active < multis[k]->active) k = i;
    Multi* m = multis[k].get();
    ++m->active;
    call->multi = static_cast<int>(k);
    active.emplace(e, std::move(call));
    curl_multi_add_handle(m->handle, e);
  }

  // An attempt ended: decide (success, retry later, give up). The outcome is handed to
  // the other threads by publish().
  void finish_attempt(CURL* easy, CURLcode code) {
    auto it = active.find(easy);
    std::unique_ptr<Call> call = std::move(it->second);
    active.erase(it);
    Multi* m = multis[static_cast<size_t>(call->multi)].get();
    --m->active;
    curl_multi_remove_handle(m->handle, easy);
    call->multi = -1;
    HttpResponse& r = call->response;
    client.finish_request(easy, call->stalled ? CURLE_OPERATION_TIMEDOUT : code, r);
    if (idle_handles.size() < static_cast<size_t>(options.max_in_flight)) idle_handles.push_back(easy);
    else curl_easy_cleanup(easy);
    call->easy = nullptr;
    ++ended;
    const double t = clock;
    limits.adapt(r.headers, t);
    const RetryDecision d = r.decision;
    if (r.status > 0) last_reached = t;
    if (d == RetryDecision::kSuccess) {
      finished.push_back(std::move(call));
      return;
    }
    finished_errors.push_back(r.error_class);
    if (d == RetryDecision::kRetry && call->attempt < options.max_attempts && !halted) {
      const double u = std::uniform_real_distribution<double>(0, 1)(jitter);
      const double wait = retry_after_seconds(r.headers, unix_now(), options.retry_cap_s)
                              .value_or(backoff_seconds(call->attempt - 1, u));
      if (r.status == 429 && r.headers.count("retry-after") + r.headers.count("retry-after-ms") > 0)
        limits.pause_requests(t + wait);  // the server asked everyone to wait
      call->not_before = t + wait;
      ++finished_retries;
      delayed.emplace(call->not_before, std::move(call));
      return;
    }
    // No connection, or no TLS session: what an unreachable server gives.
    const bool no_session = r.error_class == "connect" || r.error_class == "tls";
    if (halted && d == RetryDecision::kRetry &&
        (call->attempt < options.max_attempts || (no_session && halt_class == "unreachable"))) {
      abandon(std::move(call), "not retried: ");  // asked again after a resume
      return;
    }
    call->failed = true;
    call->error_class = r.error_class;
    const std::string message = call->stalled ? "the stream stalled: nothing received for " +
                                                    std::to_string(int(options.stall_timeout_s)) + " s"
                                              : r.error;
    call->error =
        message + (d == RetryDecision::kRetry ? " (after " + std::to_string(call->attempt) + " attempts)" : "");
    if (d == RetryDecision::kStopRun) {
      call->stop_run = true;
      halt("insufficient_quota", "the API key has no quota left");
    } else if (no_session && !halted && last_reached < call->first_sent) {
      // Every attempt of this prompt failed to connect (or to set up TLS) and no request has
      // had an answer since its first: the server is down, the URL is wrong or its
      // certificate is not trusted here. Going on would only mark
      // prompt after prompt failed; stopping keeps them for a rerun.
      call->stop_run = true;
      call->error_class = "unreachable";
      call->error = "nothing at " + options.base_url + " answered for " + std::to_string(int(t - call->first_sent)) +
                    " s: all " + std::to_string(call->attempt) + " attempts of a prompt failed to " +
                    (r.error_class == "tls" ? "set up TLS (" : "connect (") +
                    (r.curl_error[0] ? std::string(r.curl_error) : r.error) + ")";
      halt("unreachable", "the server could not be reached");
    }
    finished.push_back(std::move(call));
  }
  // A call not sent or not retried because the teacher halted: handed back with stop_run,
  // so that a resumed run asks it again.
  void abandon(std::unique_ptr<Call> call, std::string_view what) {
    call->failed = true;
    call->stop_run = true;
    call->error_class = halt_class;
    call->error = std::string(what) + halt_why;
    finished.push_back(std::move(call));
  }
  void halt(std::string cls, std::string why) {
    if (halted) return;
    halt_class = std::move(cls);
    halt_why = std::move(why);
    halted = true;
  }

  void read_messages() {
    // Read them all first: removing a handle scans the queue of unread messages, so
    // removing while reading would cost O(n²) in a burst of n completions.
    for (auto& multi : multis) {
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi->handle, &left))
        if (m->msg == CURLMSG_DONE) done_messages.emplace_back(m->easy_handle, m->data.result);
    }
    for (const auto& [easy, code] : done_messages) finish_attempt(easy, code);
    done_messages.clear();
  }

  // Hands this iteration's outcomes to wait() and the stats, under one lock.
  void publish(int started) {
    if (started == 0 && ended == 0 && finished.empty() && finished_errors.empty() && finished_retries == 0) return;
    std::lock_guard lock(mu);
    stats.sent += static_cast<uint64_t>(started);
    stats.in_flight += started - ended;
    stats.retries += finished_retries;
    for (const auto& cls : finished_errors) count_error(cls);
    const bool was_empty = done.empty();
    for (auto& call : finished) done.push_back(std::move(call));
    if (was_empty && !done.empty()) done_cv.notify_all();
    finished.clear();
    finished_errors.clear();
    finished_retries = 0;
    ended = 0;
  }

  void run_timers_if_due() {
    for (auto& m : multis) {
      if (m->timer_at < 0 || m->timer_at > clock) continue;
      m->timer_at = -1;  // curl sets the next one from inside socket_action
      int running = 0;
      curl_multi_socket_action(m->handle, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  void loop() {
    std::vector<epoll_event> events(1024);
    while (!stopping) {
      wake_pending.store(false);  // before draining: a later submit() writes a new wake-up
      {
        std::lock_guard lock(mu);
        while (!inbox.empty()) {
          auto call = std::move(inbox.front());
          inbox.pop_front();
          if (call->not_before > 0) delayed.emplace(call->not_before, std::move(call));
          else ready.push_back(std::move(call));
        }
        for (auto& b : spare)
          if (buffers.size() < static_cast<size_t>(options.max_in_flight)) buffers.push_back(std::move(b));
        spare.clear();
      }
      double t = now_s();
      clock = t;
      while (!delayed.empty() && delayed.begin()->first <= t) {
        ready.push_back(std::move(delayed.begin()->second));
        delayed.erase(delayed.begin());
      }
      int started = 0;
      double wait_s = 1.0;
      while (!ready.empty() && static_cast<int>(active.size()) < options.max_in_flight && !halted) {
        const double w = limits.wait_for(ready.front()->est_tokens, t);
        if (w > 0) {
          wait_s = std::min(wait_s, w);
          break;
        }
        limits.take(ready.front()->est_tokens);
        auto call = std::move(ready.front());
        ready.pop_front();
        start(std::move(call));
        ++started;
      }
      if (halted) {  // abandon everything not yet sent
        while (!ready.empty()) {
          abandon(std::move(ready.front()), "not sent: ");
          ready.pop_front();
        }
        for (auto& [when, call] : delayed) abandon(std::move(call), "not retried: ");
        delayed.clear();
      }
      // Stall detector for streams: a stream that sends nothing for stall_timeout_s is
      // abandoned (a non-streamed reply legitimately sends nothing until it is done).
      if (options.request.stream && t - last_stall_check >= 0.1) {
        last_stall_check = t;
        std::vector<CURL*> stalled;
        for (auto& [easy, call] : active)
          if (t - call->response.last_activity > options.stall_timeout_s) {
            call->stalled = true;
            stalled.push_back(easy);
          }
        for (CURL* easy : stalled) finish_attempt(easy, CURLE_OPERATION_TIMEDOUT);
      }
      // New transfers ask for an immediate timeout: start them now.
      run_timers_if_due();
      read_messages();
      publish(started);

      if (!delayed.empty()) wait_s = std::min(wait_s, std::max(0.0, delayed.begin()->first - now_s()));
      // Finished transfers freed slots: start the queued requests without waiting.
      if (!ready.empty() && static_cast<int>(active.size()) < options.max_in_flight && !halted)
        wait_s = std::min(wait_s, limits.wait_for(ready.front()->est_tokens, now_s()));
      const double t3 = now_s();
      for (auto& m : multis)
        if (m->timer_at >= 0) wait_s = std::min(wait_s, std::max(0.0, m->timer_at - t3));
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(std::ceil(wait_s * 1000)));
      clock = now_s();
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        const uint32_t ev = events[static_cast<size_t>(i)].events;
        if (fd == wake_fd) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &count, sizeof count);
          continue;
        }
        if (drop_if_dormant(fd) || static_cast<size_t>(fd) >= watches.size()) continue;
        Multi* m = watches[static_cast<size_t>(fd)].multi;
        if (!m) continue;
        int flags = 0;
        if (ev & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (ev & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (ev & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        int running = 0;
        curl_multi_socket_action(m->handle, fd, flags, &running);
      }
      run_timers_if_due();
      read_messages();
      publish(0);
    }
  }
};

HttpTeacher::HttpTeacher(HttpTeacherOptions options) : options_(std::move(options)) {
  if (options_.max_in_flight < 1) throw std::invalid_argument("max_in_flight must be at least 1");
  if (options_.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  impl_ = std::make_unique<Impl>(options_);
}

HttpTeacher::~HttpTeacher() = default;

double HttpTeacher::estimate_tokens(const base::PromptSpec& prompt) const {
  return static_cast<double>(prompt.text.size()) / 4.0 + static_cast<double>(options_.request.max_tokens);
}

void HttpTeacher::submit(uint64_t index, const base::PromptSpec& prompt) {
  auto call = std::make_unique<Call>();
  call->index = index;
  call->body = request_body(options_.request, prompt);
  call->est_tokens = estimate_tokens(prompt);
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->outstanding;
    impl_->inbox.push_back(std::move(call));
  }
  impl_->wake();
}

void HttpTeacher::submit(const std::vector<std::pair<uint64_t, base::PromptSpec>>& prompts) {
  if (prompts.empty()) return;
  std::vector<std::unique_ptr<Call>> calls;
  calls.reserve(prompts.size());
  for (const auto& [index, prompt] : prompts) {
    auto call = std::make_unique<Call>();
    call->index = index;
    call->body = request_body(options_.request, prompt);
    call->est_tokens = estimate_tokens(prompt);
    calls.push_back(std::move(call));
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->outstanding += calls.size();
    for (auto& call : calls) impl_->inbox.push_back(std::move(call));
  }
  impl_->wake();
}

std::vector<Completion> HttpTeacher::wait(double timeout_s) {
  std::deque<std::unique_ptr<Call>> calls;
  {
    std::unique_lock lock(impl_->mu);
    impl_->done_cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                            [&] { return !impl_->done.empty() || impl_->wait_interrupted; });
    impl_->wait_interrupted = false;
    calls.swap(impl_->done);
  }
  std::vector<Completion> out;
  out.reserve(calls.size());
  const bool chat = options_.request.endpoint != "completions";
  std::vector<std::unique_ptr<Call>> requeue;
  std::vector<std::string> spare;  // response buffers for the I/O thread to reuse
  uint64_t malformed = 0;
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
        sse.feed(call->response.body);
        sse.feed("\n\n");  // a final event without its blank line still counts
        p = sse.finish();
      } else {
        p = parse_completion(call->response.body, chat);
      }
      if (p.ok) {
        c.ok = true;
        c.reply = std::move(p.reply);
        if (options_.price) c.cost_usd = cost_usd(*options_.price, c.reply.usage);
      } else if (call->attempt < options_.max_attempts && !impl_->halted) {
        // A 200 with a body we cannot use: retry like a server error.
        ++malformed;
        call->not_before = now_s() + backoff_seconds(call->attempt - 1, 0.5);
        requeue.push_back(std::move(call));
        continue;
      } else {
        ++malformed;
        c.error = p.error + " (after " + std::to_string(call->attempt) + " attempts)";
        c.error_class = "malformed";
      }
    }
    c.request_body = std::move(call->body);
    out.push_back(std::move(c));
    if (call->response.body.capacity() <= 65536) spare.push_back(std::move(call->response.body));
  }
  if (!out.empty() || !requeue.empty()) {
    std::lock_guard lock(impl_->mu);
    for (auto& b : spare)
      if (impl_->spare.size() < static_cast<size_t>(options_.max_in_flight)) impl_->spare.push_back(std::move(b));
    if (malformed) impl_->errors["malformed"] += malformed;
    impl_->stats.retries += requeue.size();
    for (auto& call : requeue) impl_->inbox.push_back(std::move(call));
    for (const auto& c : out) {
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
  }
  if (!requeue.empty()) impl_->wake();
  return out;
}

void HttpTeacher::interrupt_wait() {
  std::lock_guard lock(impl_->mu);
  impl_->wait_interrupted = true;
  impl_->done_cv.notify_all();
}

uint64_t HttpTeacher::outstanding() const {
  std::lock_guard lock(impl_->mu);
  return impl_->outstanding;
}

bool HttpTeacher::quota_exhausted() const { return impl_->halted && impl_->halt_class == "insufficient_quota"; }
bool HttpTeacher::unreachable() const { return impl_->halted && impl_->halt_class == "unreachable"; }

HttpStats HttpTeacher::stats() const {
  std::lock_guard lock(impl_->mu);
  HttpStats s = impl_->stats;
  for (const auto& [cls, n] : impl_->errors) s.errors.emplace_back(cls, n);
  return s;
}

}  // namespace primer::generators
