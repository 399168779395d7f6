#include "tests/support/fake_openai.h"

#include <httplib.h>
#include <simdjson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <stdexcept>

namespace primer::testing {
namespace {

// cpp-httplib listens with a backlog of 5 (a compile-time constant of the packaged
// library): thousands of simultaneous connects would be dropped and retried after 1 s.
// Calling listen() again on the listening socket raises its backlog.
void raise_backlog(int port) {
  for (int fd = 0; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_in addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) == 0 && addr.sin_family == AF_INET &&
        ntohs(addr.sin_port) == port)
      ::listen(fd, 4096);
  }
}

}  // namespace

FakeOpenAI::FakeOpenAI(int keep_alive_max) : server_(std::make_unique<httplib::Server>()) {
  // cpp-httplib serves one connection per thread; short keep-alive makes its workers
  // rotate over thousands of client connections instead of sticking to the first ones.
  server_->new_task_queue = [] { return new httplib::ThreadPool(128); };
  server_->set_keep_alive_max_count(static_cast<size_t>(keep_alive_max));
  server_->set_keep_alive_timeout(1);
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_->Post("/v1/chat/completions", handler);
  server_->Post("/v1/completions", handler);
  server_->set_tcp_nodelay(true);  // as real servers do: no Nagle + delayed-ACK stalls
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeOpenAI: cannot bind a port on 127.0.0.1");
  raise_backlog(port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // bind_to_any_port already listens: connections wait in the backlog until accept starts.
  // stop() before the accept loop runs would be lost (the destructor would wait forever):
  // return once it runs.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeOpenAI::~FakeOpenAI() {
  closing_ = true;
  server_->stop();
  thread_.join();
}

std::string FakeOpenAI::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

std::string FakeOpenAI::story_for(int64_t seed) {
  return "Once there was a cat named Number " + std::to_string(seed) +
         ". She liked to play in the sun. \"Hello,\" she said. Then she went home and slept.";
}

FakeReply FakeOpenAI::default_reply(const FakeCall& call) {
  FakeReply r;
  r.billed = true;
  const std::string story = story_for(call.seed);
  std::string escaped;
  for (char c : story) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  if (call.stream) {
    r.content_type = "text/event-stream";
    r.body = "data: {\"choices\":[{\"delta\":{\"content\":\"" + escaped.substr(0, 10) +
             "\"},\"finish_reason\":null}]}\n\n" +
             ": comment\n\n"
             "data: {\"choices\":[{\"delta\":{\"content\":\"" +
             escaped.substr(10) +
             "\"},\"finish_reason\":\"stop\"}]}\r\n\r\n"
             "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":20}}\n\n"
             "data: [DONE]\n\n";
    return r;
  }
  if (call.chat)
    r.body =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" +
        escaped +
        "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":20,\"total_tokens\":70}}";
  else
    r.body = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"" + escaped +
             "\",\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":20}}";
  return r;
}

void FakeOpenAI::handle(const httplib::Request& req, httplib::Response& res) {
  const int now = ++concurrent_;
  for (int m = max_concurrent_.load(); now > m && !max_concurrent_.compare_exchange_weak(m, now);) {
  }
  FakeCall call;
  call.body = req.body;
  call.auth = req.get_header_value("Authorization");
  call.accept_encoding = req.get_header_value("Accept-Encoding");
  call.accept_encodings = req.get_header_value_count("Accept-Encoding");
  call.chat = req.path == "/v1/chat/completions";
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (!parser.parse(req.body).get(e)) {
    int64_t seed = -1;
    if (!e["seed"].get(seed)) call.seed = seed;
    bool stream = false;
    if (!e["stream"].get(stream)) call.stream = stream;
  }
  {
    std::lock_guard lock(mu_);
    ++requests_;
    call.attempt = ++attempts_[call.seed];
  }
  FakeReply r = behaviour ? behaviour(call) : default_reply(call);
  if (r.delay_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(r.delay_s));
  if (r.stall) {
    // Send the headers and nothing else for a long time.
    res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink& sink) {
      for (int i = 0; i < 300 && !closing_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      sink.done();
      return true;
    });
    --concurrent_;
    return;
  }
  if (r.reset) {
    res.status = 500;
    res.set_header("Connection", "close");
    // A body shorter than its Content-Length: the client sees a partial transfer.
    res.set_content_provider(1000, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
      sink.write("{\"partial", 9);
      return false;  // abort the connection
    });
    --concurrent_;
    return;
  }
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_content(r.body, r.content_type);
  if (r.billed) {
    std::lock_guard lock(mu_);
    ++billed_[call.seed];
  }
  --concurrent_;
}

uint64_t FakeOpenAI::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

uint64_t FakeOpenAI::requests_for(int64_t seed) const {
  std::lock_guard lock(mu_);
  auto it = attempts_.find(seed);
  return it == attempts_.end() ? 0 : static_cast<uint64_t>(it->second);
}

std::map<int64_t, int> FakeOpenAI::completions() const {
  std::lock_guard lock(mu_);
  return billed_;
}

}  // namespace primer::testing
