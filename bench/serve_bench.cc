// primer serve under load and abuse: N concurrent streaming clients, each sending
// R requests one after another to /v1/completions, first alone ("unloaded"), then with
// S stalled clients beside them (connections held open that never finish a request:
// half send nothing, half send part of the headers). For each phase it prints the time
// to first token (request sent → first SSE event) at p50/p99, tokens per second (SSE
// text events, summed over the clients), and the latency of GET /health probed every
// 50 ms on a fresh connection.
//
//   build/bench/serve_bench CHECKPOINT [--clients 8] [--requests 4] [--max-tokens 64]
//                                       [--stalled 64] [--threads 8]
//
// The server runs in this process (model::Server, the code of `primer serve`), on the
// same cores as the clients: the figures compare the phases, not machines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "model/serve.h"

using namespace primer;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const std::string& s) {
  size_t at = 0;
  while (at < s.size()) {
    const ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

struct Stream {
  bool ok = false;
  double ttft_ms = 0, total_ms = 0;
  int events = 0;  // SSE text events (about one per token)
};

// One streaming completion on a fresh connection, read as raw bytes: SSE events are
// counted by their "data: {" prefix; the response ends with "data: [DONE]".
Stream stream_once(int port, int max_tokens, int seed) {
  Stream s;
  const auto t0 = Clock::now();
  const int fd = connect_to(port);
  if (fd < 0) return s;
  const std::string body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":" + std::to_string(max_tokens) +
                           ",\"temperature\":0.8,\"seed\":" + std::to_string(seed) + ",\"stream\":true}";
  const std::string req =
      "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  if (!send_all(fd, req)) {
    ::close(fd);
    return s;
  }
  std::string got;
  char buf[8192];
  size_t scanned = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    for (size_t at; (at = got.find("data: {", scanned)) != std::string::npos;) {
      if (s.events == 0) s.ttft_ms = ms_since(t0);
      ++s.events;
      scanned = at + 7;
    }
    if (got.find("data: [DONE]") != std::string::npos) {
      s.ok = got.starts_with("HTTP/1.1 200");
      break;
    }
  }
  ::close(fd);
  s.total_ms = ms_since(t0);
  if (s.events > 0) --s.events;  // the last event carries finish_reason, no text
  return s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

struct Phase {
  std::vector<double> ttft, health;
  int failed = 0, health_failed = 0;
  uint64_t events = 0;
  double seconds = 0;
};

Phase run_phase(int port, int clients, int requests, int max_tokens, int stalled) {
  Phase ph;
  std::vector<int> held;
  for (int i = 0; i < stalled; ++i) {
    const int fd = connect_to(port);
    if (fd < 0) continue;
    if (i % 2) send_all(fd, "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n");
    held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server has accepted them
  std::atomic<bool> done{false};
  std::thread probe([&] {
    while (!done) {
      const auto t0 = Clock::now();
      const int fd = connect_to(port);
      bool ok = fd >= 0 && send_all(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      std::string got;
      char buf[1024];
      ssize_t n;
      while (ok && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
      if (fd >= 0) ::close(fd);
      if (ok && got.starts_with("HTTP/1.1 200")) ph.health.push_back(ms_since(t0));
      else ++ph.health_failed;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::vector<std::vector<Stream>> results(static_cast<size_t>(clients));
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int r = 0; r < requests; ++r)
        results[static_cast<size_t>(c)].push_back(stream_once(port, max_tokens, c * 1000 + r));
    });
  for (auto& t : threads) t.join();
  ph.seconds = ms_since(t0) / 1000;
  done = true;
  probe.join();
  for (int fd : held) ::close(fd);
  for (const auto& rs : results)
    for (const auto& s : rs) {
      if (!s.ok) {
        ++ph.failed;
        continue;
      }
      ph.ttft.push_back(s.ttft_ms);
      ph.events += static_cast<uint64_t>(s.events);
    }
  return ph;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: serve_bench CHECKPOINT [--clients N] [--requests R] [--max-tokens K] [--stalled S] "
                 "[--threads T]\n");
    return 2;
  }
  int clients = 8, requests = 4, max_tokens = 64, stalled = 64, threads = 8;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--clients") clients = v;
    else if (k == "--requests") requests = v;
    else if (k == "--max-tokens") max_tokens = v;
    else if (k == "--stalled") stalled = v;
    else if (k == "--threads") threads = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  model::ServeOptions o;
  o.port = 0;
  o.http_threads = threads;
  o.request_timeout_s = 600;  // the stalled clients stay for the whole phase
  o.idle_timeout_s = 600;
  model::Server server(model::load_model(argv[1]), o);
  const int port = server.bind();
  std::thread listener([&] { server.listen(); });

  std::printf("primer serve load: %u cores, %d streaming clients x %d requests, max_tokens %d, %d generating at once\n",
              std::thread::hardware_concurrency(), clients, requests, max_tokens, threads);
  std::printf("%-22s %9s %9s %11s %9s %9s %9s %7s\n", "phase", "TTFT p50", "TTFT p99", "tokens/s", "health p50", "p99",
              "max", "failed");
  stream_once(port, 4, 0);  // warm-up
  double p99[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    const int s = k == 0 ? 0 : stalled;
    const Phase ph = run_phase(port, clients, requests, max_tokens, s);
    const std::string name = s == 0 ? "unloaded" : std::to_string(s) + " stalled beside";
    p99[k] = percentile(ph.ttft, 99);
    std::printf(
        "%-22s %7.1fms %7.1fms %11.0f %8.1fms %7.1fms %7.1fms %7d\n", name.c_str(), percentile(ph.ttft, 50), p99[k],
        static_cast<double>(ph.events) / ph.seconds, percentile(ph.health, 50), percentile(ph.health, 99),
        ph.health.empty() ? 0.0 : *std::max_element(ph.health.begin(), ph.health.end()), ph.failed + ph.health_failed);
  }
  if (p99[0] > 0) std::printf("p99 TTFT with stalled clients / unloaded: %.2fx\n", p99[1] / p99[0]);
  server.stop();
  listener.join();
  return 0;
}
