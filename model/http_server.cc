#include "model/http_server.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/json.h"

namespace primer::model {

std::string openai_error_body(const HttpError& e) {
  base::JsonWriter w;
  w.begin_object().key("error").begin_object().field("message", e.message).field("type", e.type);
  if (e.param.empty()) w.key("param").raw("null");
  else w.field("param", e.param);
  if (e.code.empty()) w.key("code").raw("null");
  else w.field("code", e.code);
  w.end_object().end_object();
  return w.take();
}

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, s)));
}

// How the connection thread that runs an accepted socket treats it: set by the pool
// for the thread, read by the server's connection loop (httplib hands over only a
// closure, so the verdict travels beside it).
enum class Admission { serve, refuse, drop };
thread_local Admission t_admission = Admission::serve;
// Set when httplib could not read a request (400, 413, 414): what follows on the
// connection cannot be trusted to start a request, so it is closed after the answer.
thread_local bool t_close_after = false;

HttpError overloaded(const char* what) {
  return HttpError(503, fmt::format("The server is overloaded ({}); retry after the time in Retry-After.", what),
                   "server_error", "", "overloaded");
}

// The connection threads. A connection is admitted while fewer than `max_serving` are
// open, and gets a thread at once (threads are made as needed and kept), so a stalled
// client never waits in front of another. Beyond that, up to `max_refusing` connections
// at a time are read briefly and answered 503; any more are answered 503 without reading
// and closed on the accepting thread.
class ConnectionPool : public httplib::TaskQueue {
 public:
  ConnectionPool(size_t max_serving, size_t max_refusing, std::atomic<uint64_t>& open, std::atomic<uint64_t>& rejected)
      : max_serving_(max_serving), max_refusing_(max_refusing), open_(open), rejected_(rejected) {}
  ~ConnectionPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    Admission a = Admission::drop;
    if (serving_ < max_serving_) a = Admission::serve, ++serving_, ++open_;
    else if (refusing_ < max_refusing_) a = Admission::refuse, ++refusing_;
    if (a != Admission::serve) ++rejected_;
    if (a == Admission::drop || stopping_) {
      if (a == Admission::serve) --serving_, --open_;
      lock.unlock();
      t_admission = Admission::drop;
      fn();
      t_admission = Admission::serve;
      return;
    }
    jobs_.push_back({std::move(fn), a});
    if (jobs_.size() > idle_) threads_.emplace_back([this] { work(); });
    else wake_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && threads_.empty()) return;
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  struct Job {
    std::function<void()> fn;
    Admission admission;
  };

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      t_admission = job.admission;
      job.fn();
      t_admission = Admission::serve;
      job.fn = nullptr;
      lock.lock();
      if (job.admission == Admission::serve) --serving_, --open_;
      else --refusing_;
    }
  }

  const size_t max_serving_, max_refusing_;
  std::atomic<uint64_t>& open_;
  std::atomic<uint64_t>& rejected_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0, serving_ = 0, refusing_ = 0;
  bool stopping_ = false;
};

// A socket stream with a deadline for the whole request, not per read as httplib's own
// (which a client sending a byte every few seconds holds forever), and a byte budget per
// request: httplib 0.11 limits a body with a Content-Length (it reads and discards one
// over the limit, then answers 413) but not a chunked one. Reads are buffered: httplib
// reads header lines a byte at a time. Waits wake every 100 ms to notice stop().
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(int sock, const std::atomic<socket_t>& listening, Clock::duration write_timeout,
                   size_t request_budget)
      : sock_(sock), listening_(listening), write_timeout_(write_timeout), budget_(request_budget) {}

  // A new request starts: it must arrive by `d`, within the byte budget.
  void set_read_deadline(Clock::time_point d) { read_deadline_ = d, timed_out_ = false, read_ = 0; }
  bool timed_out() const { return timed_out_; }
  bool over_budget() const { return read_ > budget_; }
  bool has_buffered() const { return begin_ < end_; }

  // Waits until the next request starts (or the connection closes) before `deadline`.
  bool wait_readable(Clock::time_point deadline) const { return has_buffered() || wait(POLLIN, deadline); }

  bool is_readable() const override { return wait_readable(read_deadline_); }
  bool is_writable() const override { return wait(POLLOUT, Clock::now() + write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (over_budget()) return -1;
    if (!has_buffered()) {
      if (!wait(POLLIN, read_deadline_)) return -1;
      ssize_t n;
      do n = ::recv(sock_, buffer_, sizeof buffer_, MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return read(ptr, size);
      if (n <= 0) return n;
      begin_ = 0, end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    read_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    const auto deadline = Clock::now() + write_timeout_;
    for (;;) {
      if (!wait(POLLOUT, deadline)) return -1;
      const ssize_t n = ::send(sock_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(false, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  bool wait(short events, Clock::time_point deadline) const {
    for (;;) {
      if (listening_ == INVALID_SOCKET) return false;  // the server is stopping
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        timed_out_ = true;
        return false;
      }
      pollfd p{sock_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
      if (r > 0) return true;  // ready, or hung up / failed: the read or write says which
      if (r < 0 && errno != EINTR) return false;
    }
  }

  void address(bool remote, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    auto* sa = reinterpret_cast<sockaddr*>(&a);
    if ((remote ? ::getpeername(sock_, sa, &len) : ::getsockname(sock_, sa, &len)) != 0) return;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) return;
    ip = host;
    port = std::atoi(serv);
  }

  int sock_;
  const std::atomic<socket_t>& listening_;
  Clock::duration write_timeout_;
  size_t budget_, read_ = 0;
  Clock::time_point read_deadline_ = Clock::now();
  mutable bool timed_out_ = false;
  char buffer_[4096];
  size_t begin_ = 0, end_ = 0;
};

// Heavy requests: `workers` run, `max_queued` wait, the rest are refused.
class WorkerGate {
 public:
  WorkerGate(int workers, int max_queued) : workers_(std::max(1, workers)), max_queued_(std::max(0, max_queued)) {}

  // A slot, or null when the queue is full or the server is stopping.
  HttpServer::Slot enter() {
    std::unique_lock lock(mutex_);
    if (closed_) return nullptr;
    if (running_ >= workers_) {
      if (queued_ >= max_queued_) {
        ++rejected_;
        return nullptr;
      }
      ++queued_;
      free_.wait(lock, [&] { return closed_ || running_ < workers_; });
      --queued_;
      if (closed_) return nullptr;
    }
    ++running_;
    return HttpServer::Slot(this, [](WorkerGate* g) { g->leave(); });
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    free_.notify_all();
  }

  void read(HttpServer::Stats& s) const {
    std::lock_guard lock(mutex_);
    s.running = static_cast<uint64_t>(running_), s.queued = static_cast<uint64_t>(queued_);
    s.rejected_queue = rejected_;
  }

 private:
  void leave() {
    std::lock_guard lock(mutex_);
    --running_;
    free_.notify_one();
  }

  const int workers_, max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable free_;
  int running_ = 0, queued_ = 0;
  uint64_t rejected_ = 0;
  bool closed_ = false;
};

void answer(httplib::Response& res, const HttpError& e, int retry_after_s) {
  res.status = e.status;
  if (e.status == 503) res.set_header("Retry-After", std::to_string(retry_after_s));
  res.set_content(openai_error_body(e), "application/json");
}

// Closes after a refusal without losing the response to a reset: stop sending, read
// what the client still sends (briefly), then close.
void lingering_close(int sock) {
  ::shutdown(sock, SHUT_WR);
  char sink[4096];
  const auto until = Clock::now() + std::chrono::milliseconds(200);
  size_t drained = 0;
  while (drained < (size_t{1} << 16) && Clock::now() < until) {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(sock, sink, sizeof sink, MSG_DONTWAIT);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
  ::close(sock);
}

}  // namespace

// httplib's server with its connection handling replaced: httplib parses requests,
// routes and writes responses; this class decides which connections it runs, how
// long it waits for them and how it closes them.
class GuardedServer : public httplib::Server {
 public:
  GuardedServer(const HttpLimits& limits, std::atomic<uint64_t>& timed_out) : limits_(limits), timed_out_(timed_out) {}

  void widen_backlog() { ::listen(svr_sock_, 1024); }  // httplib's is 5: a burst of connects would wait for SYN retries

 private:
  bool process_and_close_socket(socket_t sock) override {
    const Admission admission = t_admission;
    if (admission == Admission::drop) {
      // no thread to spare: the 503 is sent without reading the request
      const std::string body = openai_error_body(overloaded("too many connections"));
      const std::string response = fmt::format(
          "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {}\r\nContent-Type: application/json\r\n"
          "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
          limits_.retry_after_s, body.size(), body);
      [[maybe_unused]] const ssize_t n = ::send(sock, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      ::shutdown(sock, SHUT_WR);
      ::close(sock);
      return false;
    }
    // headers, and a body over the limit read and discarded up to 16 MiB so that its
    // sender can read the 413 (clients send the whole body before they read)
    ConnectionStream stream(sock, svr_sock_, seconds(limits_.write_timeout_s),
                            limits_.max_body_bytes + (size_t{16} << 20));
    if (admission == Admission::refuse) {
      // the pre-routing handler answers 503 once the request line and headers are in
      stream.set_read_deadline(Clock::now() + std::min(seconds(limits_.request_timeout_s), seconds(1)));
      bool closed = false;
      run(stream, true, closed);
      lingering_close(sock);
      return true;
    }
    bool ok = true;
    for (int left = kKeepAliveRequests; left > 0; --left) {
      if (!stream.wait_readable(Clock::now() + seconds(limits_.idle_timeout_s))) break;
      stream.set_read_deadline(Clock::now() + seconds(limits_.request_timeout_s));
      bool closed = false;
      t_close_after = false;
      ok = run(stream, left == 1, closed);
      if (stream.timed_out()) ++timed_out_;
      if (!ok || closed || t_close_after || stream.over_budget()) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool run(ConnectionStream& stream, bool close_connection, bool& closed) {
    try {
      return process_request(stream, close_connection, closed, nullptr);
    } catch (const std::exception& e) {  // a streaming provider threw after the headers went out
      std::fprintf(stderr, "primer serve: error while sending a response: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "primer serve: error while sending a response\n");
    }
    return false;
  }

  static constexpr int kKeepAliveRequests = 100;
  const HttpLimits limits_;
  std::atomic<uint64_t>& timed_out_;
};

struct HttpServer::Impl {
  HttpLimits limits;
  std::atomic<uint64_t> open{0}, rejected_connections{0}, timed_out{0}, internal_errors{0};
  WorkerGate gate;
  GuardedServer http;

  explicit Impl(const HttpLimits& l) : limits(l), gate(l.workers, l.max_queued), http(l, timed_out) {}
};

HttpServer::HttpServer(HttpLimits limits) : impl_(std::make_unique<Impl>(limits)) {
  Impl& s = *impl_;
  const size_t max_connections = static_cast<size_t>(std::max(1, limits.max_connections));
  s.http.new_task_queue = [&s, max_connections] {
    return new ConnectionPool(max_connections, 16, s.open, s.rejected_connections);
  };
  s.http.set_payload_max_length(limits.max_body_bytes);
  s.http.set_keep_alive_max_count(100);
  s.http.set_keep_alive_timeout(static_cast<time_t>(std::max(1.0, limits.idle_timeout_s)));  // its Keep-Alive header
  const int retry = limits.retry_after_s;
  s.http.set_pre_routing_handler([retry](const httplib::Request&, httplib::Response& res) {
    if (t_admission != Admission::refuse) return httplib::Server::HandlerResponse::Unhandled;
    answer(res, overloaded("too many connections"), retry);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.http.set_exception_handler([&s, retry](const httplib::Request& q, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const HttpError& e) {
      answer(res, e, retry);
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "primer serve: internal error on %s %s: %s\n", q.method.c_str(), q.path.c_str(), e.what());
    } catch (...) {
      std::fprintf(stderr, "primer serve: internal error on %s %s\n", q.method.c_str(), q.path.c_str());
    }
    ++s.internal_errors;
    res.headers.clear();
    answer(
        res,
        HttpError(500, "The server had an error while processing your request (logged on the server).", "server_error"),
        retry);
  });
  // statuses httplib sets itself (no route, a request it cannot read, a body too large)
  const size_t max_body = limits.max_body_bytes;
  s.http.set_error_handler(
      httplib::Server::HandlerWithResponse([retry, max_body](const httplib::Request& q, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own error
        const int status = res.status;
        HttpError e(status, fmt::format("The request failed with HTTP status {}.", status),
                    status >= 500 ? "server_error" : "invalid_request_error");
        switch (status) {
          case 400: e.message = "The HTTP request could not be read (malformed, or it did not arrive in time)."; break;
          case 404:
            e.message = fmt::format("{} {} is not an endpoint of this server", q.method, q.path);
            e.code = "not_found";
            break;
          case 413:
            e.message = fmt::format("The request body is larger than this server accepts ({} bytes).", max_body);
            e.code = "request_too_large";
            break;
          case 414: e.message = "The request URI is too long."; break;
          default: break;
        }
        if (status == 400 || status == 413 || status == 414) {
          t_close_after = true;
          res.set_header("Connection", "close");
        }
        answer(res, e, retry);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

HttpServer::~HttpServer() = default;

void HttpServer::get(const std::string& path, Handler handler) { impl_->http.Get(path, std::move(handler)); }

void HttpServer::post(const std::string& path, HeavyHandler handler) {
  Impl& s = *impl_;
  s.http.Post(path, [&s, handler = std::move(handler)](const httplib::Request& q, httplib::Response& r) {
    Slot slot = s.gate.enter();
    if (!slot) throw overloaded("too many requests waiting");
    handler(q, r, std::move(slot));
  });
}

int HttpServer::bind(const std::string& host, int port) {
  Impl& s = *impl_;
  if (port == 0) {
    port = s.http.bind_to_any_port(host.c_str());
    if (port <= 0) throw std::runtime_error("cannot listen on " + host);
  } else if (!s.http.bind_to_port(host.c_str(), port)) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", host, port));
  }
  s.http.widen_backlog();
  return port;
}

void HttpServer::listen() { impl_->http.listen_after_bind(); }

void HttpServer::stop() {
  impl_->gate.close();
  impl_->http.stop();
}

HttpServer::Stats HttpServer::stats() const {
  Stats s;
  s.connections = impl_->open;
  impl_->gate.read(s);
  s.rejected_connections = impl_->rejected_connections;
  s.timed_out = impl_->timed_out;
  s.internal_errors = impl_->internal_errors;
  return s;
}

}  // namespace primer::model
