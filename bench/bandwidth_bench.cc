// Memory-read bandwidth of a buffer the size of a model's weights, on a given number of
// threads: the ceiling for decoding, which reads every weight once per token.
//   bandwidth_bench BYTES THREADS [SECONDS]
// Prints one JSON line: {"bytes", "threads", "gb_per_s"} (median of 7 rounds; each round
// reads the whole buffer repeatedly, every thread its own contiguous slice, as the
// matrix-vector products split rows). The buffer is written once first (no zero pages).
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

__attribute__((target("avx2"))) uint64_t read_avx2(const uint8_t* p, size_t n) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    a = _mm256_add_epi64(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    b = _mm256_add_epi64(b, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    c = _mm256_add_epi64(c, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    d = _mm256_add_epi64(d, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  a = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), a);
  uint64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) s += p[i];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bandwidth_bench BYTES THREADS [SECONDS]\n");
    return 2;
  }
  const size_t bytes = std::strtoull(argv[1], nullptr, 10) / 128 * 128;
  const int threads = std::atoi(argv[2]);
  const double seconds = argc > 3 ? std::atof(argv[3]) : 0.3;
  uint8_t* buf = static_cast<uint8_t*>(std::aligned_alloc(64, bytes));
  for (size_t i = 0; i < bytes; ++i) buf[i] = static_cast<uint8_t>(i * 7);
  std::atomic<uint64_t> sink{0};
  std::vector<double> rates;
  for (int round = 0; round < 7; ++round) {
    // passes over the whole buffer; all threads start and stop each pass together
    std::atomic<bool> stop{false};
    std::atomic<int64_t> passes{0};
    std::barrier sync(threads, [&]() noexcept { passes.fetch_add(1, std::memory_order_relaxed); });
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const size_t slice = bytes / threads / 128 * 128, begin = t * slice,
                     end = t + 1 == threads ? bytes : begin + slice;
        uint64_t s = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          s += read_avx2(buf + begin, end - begin);
          sync.arrive_and_wait();
          if (t == 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds)
            stop.store(true);
          sync.arrive_and_wait();
        }
        sink += s;
      });
    for (auto& th : pool) th.join();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(passes.load() / 2) * static_cast<double>(bytes) / dt / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"bytes\": %zu, \"threads\": %d, \"gb_per_s\": %.3f, \"sink\": %llu}\n", bytes, threads, rates[3],
              static_cast<unsigned long long>(sink.load() & 1));
  std::free(buf);
  return 0;
}
