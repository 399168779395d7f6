#include "generators/openai_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace primer::generators {
namespace {

static_assert(sizeof(HttpResponse::curl_error) == CURL_ERROR_SIZE);

constexpr std::string_view kAuthPrefix = "Authorization: Bearer ";

// Returning less than was given stops the transfer (CURLE_WRITE_ERROR).
size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  if (size * n > response->max_body - response->body.size()) {  // the body never holds more than max_body
    response->too_large = true;
    return 0;
  }
  response->body.append(data, size * n);
  if (response->clock) response->last_activity = *response->clock;
  return size * n;
}

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

// The response headers anything here reads (HttpResponse::headers).
bool wanted_header(std::string_view name) {
  return (name.size() == 11 && iequals_prefix(name, "retry-after")) ||
         (name.size() == 14 && iequals_prefix(name, "retry-after-ms")) ||
         (name.size() == 14 && iequals_prefix(name, "x-should-retry")) || iequals_prefix(name, "x-ratelimit-");
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  response->header_bytes += size * n;
  if (response->header_bytes > ClientOptions::kMaxHeaderBytes) {
    response->too_large = true;
    return 0;
  }
  if (response->clock) response->last_activity = *response->clock;
  const std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    if (!wanted_header(line.substr(0, colon))) return size * n;
    std::string name(line.substr(0, colon));
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    response->headers[std::move(name)] = std::string(value);
  } else if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new response (after 100-continue or a redirect)
  }
  return size * n;
}

std::string transport_class(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "connect";
    // No TLS session with the server: not https there, a certificate this machine does not
    // trust, no common protocol version.
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return "tls";
    default: return "transport";
  }
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// The encodings this libcurl can decode, as CURLOPT_ACCEPT_ENCODING "" would list them.
std::string decodable_encodings() {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  std::string list;
  auto add = [&](const char* name) { list += (list.empty() ? "" : ", ") + std::string(name); };
  if (v->features & CURL_VERSION_LIBZ) add("deflate"), add("gzip");
  if (v->features & CURL_VERSION_BROTLI) add("br");
  if (v->features & CURL_VERSION_ZSTD) add("zstd");
  return list;
}

// Whether the environment names a proxy for curl (see the header).
bool proxy_in_environment() {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"})
    if (std::getenv(name)) return true;
  return false;
}

}  // namespace

struct OpenAiClient::Impl {
  ClientOptions options;
  std::string url;
  std::string auth_header;                        // kAuthPrefix + the key; empty without a key (never printed)
  std::string encodings = decodable_encodings();  // empty: replies are not asked compressed
  curl_slist* headers = nullptr;
  // `url` parsed once: curl would parse the string again for every request. curl only
  // reads it (curl_url_get, curl_url_dup), so handles on several threads may share it.
  CURLU* parsed_url = nullptr;
  bool proxy_from_environment = proxy_in_environment();
  // post()'s handles between calls, each with its connection to the server kept alive.
  std::mutex idle_mutex;
  std::vector<CURL*> idle;

  ~Impl() {
    for (CURL* easy : idle) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
    curl_url_cleanup(parsed_url);
  }

  // new_handle() without the exception: nullptr when curl cannot allocate a handle.
  CURL* configured_handle() const {
    CURL* e = curl_easy_init();
    if (!e) return nullptr;
    // Options that are the same for every request stay set across reuses.
    if (parsed_url) curl_easy_setopt(e, CURLOPT_CURLU, parsed_url);
    else curl_easy_setopt(e, CURLOPT_URL, url.c_str());        // a transfer reports what is wrong with it
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");  // never file://, ftp://, ... whatever the URL says
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_s * 1000));
    // Decodes what the Accept-Encoding header in `headers` offers. (Set there rather than
    // left to this option, which would format the header again for every request: ~6% of
    // the I/O thread's time against a local server, bench/http_bench.sh.)
    if (!encodings.empty()) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, encodings.c_str());
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!proxy_from_environment) {
      curl_easy_setopt(e, CURLOPT_PROXY, "");
      curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    }
    return e;
  }
};

OpenAiClient::OpenAiClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  static CurlGlobal global;
  Impl& c = *impl_;
  c.options = std::move(options);
  c.url = c.options.base_url;
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  c.url += c.options.path;
  c.parsed_url = curl_url();
  if (c.parsed_url && curl_url_set(c.parsed_url, CURLUPART_URL, c.url.c_str(), 0) != CURLUE_OK) {
    curl_url_cleanup(c.parsed_url);
    c.parsed_url = nullptr;
  }
  if (const char* key = std::getenv(c.options.api_key_env.c_str()); key && *key)
    c.auth_header = std::string(kAuthPrefix) + key;
  c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
  c.headers = curl_slist_append(c.headers, "Expect:");  // no 100-continue round trip for large bodies
  if (!c.encodings.empty()) c.headers = curl_slist_append(c.headers, ("Accept-Encoding: " + c.encodings).c_str());
  if (!c.auth_header.empty()) c.headers = curl_slist_append(c.headers, c.auth_header.c_str());
}

OpenAiClient::~OpenAiClient() = default;

void* OpenAiClient::new_handle() const {
  CURL* e = impl_->configured_handle();
  if (!e) throw std::runtime_error("curl_easy_init failed (out of memory)");
  return e;
}

void OpenAiClient::prepare_request(void* easy, std::string_view body, HttpResponse& response) const {
  response.status = 0;
  response.body.clear();
  response.headers.clear();
  response.decision = RetryDecision::kRetry;
  response.error_class.clear();
  response.error.clear();
  response.curl_error[0] = 0;
  response.max_body = impl_->options.max_reply_bytes;
  response.header_bytes = 0;
  response.too_large = false;
  if (response.clock) response.last_activity = *response.clock;
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, response.curl_error);
}

void OpenAiClient::finish_request(void* easy, int curl_code, HttpResponse& response) const {
  const auto code = static_cast<CURLcode>(curl_code);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  if (code != CURLE_OK) response.status = 0;
  if (response.too_large) {  // a server that sends this much would send it again: not retried
    response.status = 0;
    response.decision = RetryDecision::kFail;
    response.error_class = "reply_too_large";
    response.error = response.header_bytes > ClientOptions::kMaxHeaderBytes
                         ? "the reply's headers passed " + std::to_string(ClientOptions::kMaxHeaderBytes) +
                               " bytes; the transfer was cut off (not retried)"
                         : "the reply passed max_reply_bytes (" + std::to_string(response.max_body) +
                               " bytes); the transfer was cut off (not retried; [teacher] max_reply_bytes raises it)";
    return;
  }
  response.decision = classify_status(response.status, response.headers, response.body);
  if (response.decision == RetryDecision::kSuccess) return;
  if (code != CURLE_OK) {
    response.error_class = transport_class(code);
    response.error = curl_easy_strerror(code);
    if (response.curl_error[0]) response.error += std::string(" (") + response.curl_error + ")";
  } else {
    response.error_class = "http_" + std::to_string(response.status);
    response.error = parse_error_body(response.status, response.body).message;
  }
  // A server (or a proxy in front of it) may quote the request's headers back.
  if (impl_->auth_header.empty()) return;
  const std::string_view key = std::string_view(impl_->auth_header).substr(kAuthPrefix.size());
  constexpr std::string_view kRedacted = "[key]";
  for (size_t at = response.error.find(key); at != std::string::npos;
       at = response.error.find(key, at + kRedacted.size()))
    response.error.replace(at, key.size(), kRedacted);
}

HttpResponse OpenAiClient::post(std::string_view body) const {
  CURL* easy = nullptr;
  {
    std::lock_guard lock(impl_->idle_mutex);
    if (!impl_->idle.empty()) {
      easy = impl_->idle.back();
      impl_->idle.pop_back();
    }
  }
  HttpResponse response;
  if (!easy && !(easy = impl_->configured_handle())) {
    response.error_class = "transport";
    response.error = "curl_easy_init failed (out of memory)";
    return response;
  }
  prepare_request(easy, body, response);
  finish_request(easy, curl_easy_perform(easy), response);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);  // `response` leaves; the handle stays
  std::lock_guard lock(impl_->idle_mutex);
  impl_->idle.push_back(easy);
  return response;
}

}  // namespace primer::generators
