// base::run_ordered: every item prepared once and consumed in fetch order, never more than
// `in_flight` between fetch and consume, and the first exception of any stage rethrown.
#include <doctest/doctest.h>

#include <pthread.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/ordered_stages.h"

using primer::base::run_ordered;

namespace {
struct Item {
  int n = 0;
  int prepared = 0;
  std::thread::id on;
};
}  // namespace

TEST_CASE("run_ordered: fetch order out, each item prepared once, at most in_flight between") {
  for (size_t workers : {1, 2, 5}) {
    for (size_t in_flight : {1, 3, 16}) {
      int next = 0, outstanding = 0, max_outstanding = 0;
      std::vector<int> out;
      std::atomic<int> off_thread{0};
      const auto caller = std::this_thread::get_id();
      run_ordered<Item>(
          workers, in_flight,
          [&]() -> std::unique_ptr<Item> {
            if (next == 500) return nullptr;
            max_outstanding = std::max(max_outstanding, ++outstanding);
            auto it = std::make_unique<Item>();
            it->n = next++;
            return it;
          },
          [&](Item& it) {
            if (it.n % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // out of order
            ++it.prepared;
            off_thread += std::this_thread::get_id() != caller;
          },
          [&](Item& it) {
            --outstanding;
            CHECK(it.prepared == 1);
            out.push_back(it.n);
          });
      INFO("workers ", workers, ", in_flight ", in_flight);
      REQUIRE(out.size() == 500);
      for (int i = 0; i < 500; ++i) CHECK(out[i] == i);
      CHECK(max_outstanding <= static_cast<int>(in_flight));
      CHECK(off_thread == 500);  // prepare runs on the workers, not the caller
    }
  }
}

TEST_CASE("run_ordered: the first exception of prepare, fetch or consume is rethrown") {
  int next = 0;
  auto fetch = [&]() -> std::unique_ptr<Item> {
    auto it = std::make_unique<Item>();
    it->n = next++;
    return it;  // endless: only an exception ends it
  };
  CHECK_THROWS_WITH_AS(run_ordered<Item>(
                           2, 4, fetch,
                           [](Item& it) {
                             if (it.n == 40) throw std::runtime_error("prepare 40");
                           },
                           [](Item&) {}),
                       "prepare 40", std::runtime_error);
  next = 0;
  int consumed = 0;
  CHECK_THROWS_WITH_AS(run_ordered<Item>(
                           2, 4,
                           [&]() -> std::unique_ptr<Item> {
                             if (next == 30) throw std::logic_error("fetch 30");
                             return fetch();
                           },
                           [](Item&) {}, [&](Item&) { ++consumed; }),
                       "fetch 30", std::logic_error);
  CHECK(consumed <= 30);
  next = 0;
  CHECK_THROWS_WITH_AS(run_ordered<Item>(
                           3, 8, fetch, [](Item&) {},
                           [](Item& it) {
                             if (it.n == 12) throw std::out_of_range("consume 12");
                           }),
                       "consume 12", std::out_of_range);
}

TEST_CASE("run_ordered: nothing to fetch") {
  int prepared = 0, consumed = 0;
  run_ordered<Item>(
      2, 4, []() -> std::unique_ptr<Item> { return nullptr; }, [&](Item&) { ++prepared; }, [&](Item&) { ++consumed; });
  CHECK(prepared + consumed == 0);
}

TEST_CASE("run_ordered: workers are named for top -H and profilers") {
  int left = 4;
  std::mutex mu;
  std::vector<std::string> names;
  run_ordered<Item>(
      2, 4, [&]() -> std::unique_ptr<Item> { return left-- > 0 ? std::make_unique<Item>() : nullptr; },
      [&](Item&) {
        char name[16] = {};
        ::pthread_getname_np(::pthread_self(), name, sizeof name);
        std::lock_guard lock(mu);
        names.emplace_back(name);
      },
      [](Item&) {});
  REQUIRE(names.size() == 4);
  for (const auto& n : names) CHECK(n == "primer-worker");
}
