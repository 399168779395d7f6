// A bare libcurl-multi loop: the reference point for the HTTP teacher's client.
//
//   http_bench_curl URL COUNT CONCURRENCY BODY
//
// The textbook loop a C++ program would write: CONCURRENCY easy handles on one multi
// handle, curl_multi_perform + curl_multi_poll, each finished handle re-added with the
// same POST body (keep-alive connections are reused). No JSON parsing, no journal, no
// filters: what libcurl alone costs on one thread. Prints one JSON line: rps, seconds,
// cpu_seconds (user + system of the process), errors.
#include <curl/curl.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

size_t discard(char*, size_t size, size_t n, void* user) {
  *static_cast<size_t*>(user) += size * n;
  return size * n;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: http_bench_curl URL COUNT CONCURRENCY BODY\n");
    return 2;
  }
  const std::string url = argv[1];
  const long count = std::atol(argv[2]);
  const int conc = std::atoi(argv[3]);
  const std::string body = argv[4];
  if (count < 1 || conc < 1) {
    std::fprintf(stderr, "http_bench_curl: COUNT and CONCURRENCY must be positive\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(conc));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::vector<size_t> received(static_cast<size_t>(conc), 0);
  std::vector<CURL*> easies;
  long started = 0, done = 0, errors = 0;
  auto start = [&](CURL* e) {
    curl_multi_add_handle(multi, e);
    ++started;
  };
  for (int i = 0; i < conc && started < count; ++i) {
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &received[static_cast<size_t>(i)]);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    easies.push_back(e);
    start(e);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  int running = 1;
  while (done < count) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (m->data.result != CURLE_OK || status != 200) ++errors;
      ++done;
      CURL* e = m->easy_handle;
      curl_multi_remove_handle(multi, e);
      if (started < count) start(e);
    }
    if (done < count) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::printf("{\"rps\": %.1f, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"errors\": %ld}\n",
              static_cast<double>(count) / seconds, seconds, cpu, errors);
  for (CURL* e : easies) {
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  curl_global_cleanup();
  return errors == 0 ? 0 : 1;
}
