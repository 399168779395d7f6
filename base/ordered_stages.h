// Three stages over a stream of work items: `fetch` and `consume` on the calling thread,
// in order, and `prepare` on `workers` threads of their own, with at most `in_flight`
// items between fetch and consume (memory stays bounded).
//
//   base::run_ordered<Batch>(2, 8,
//       [&] { return next_batch(); },      // nullptr: no more (may block, e.g. on a network)
//       [&](Batch& b) { parse(b); },       // any thread, any order
//       [&](Batch& b) { write(b); });      // in fetch order
//
// Unlike a oneTBB pipeline, an idle thread here blocks on a condition variable. When the
// fetch waits for an HTTP server most of the time (`primer run` with an HTTP teacher),
// oneTBB's idle workers spin (sched_yield, ~35,000 calls a second) and take the CPU that
// the HTTP I/O thread and a local server need.
//
// The first exception of any stage stops the fetching; the items already fetched are
// neither prepared nor consumed further, the workers are joined and it is rethrown.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/thread_name.h"

namespace primer::base {

template <typename T>
void run_ordered(size_t workers, size_t in_flight, const std::function<std::unique_ptr<T>()>& fetch,
                 const std::function<void(T&)>& prepare, const std::function<void(T&)>& consume) {
  workers = workers > 0 ? workers : 1;
  in_flight = in_flight > 0 ? in_flight : 1;
  std::mutex mu;
  std::condition_variable work_cv, ready_cv;
  std::deque<std::pair<uint64_t, std::unique_ptr<T>>> todo;  // fetched, not yet prepared
  std::map<uint64_t, std::unique_ptr<T>> ready;              // prepared, by fetch order
  bool closing = false;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {  // under mu
    if (!error) error = std::move(e);
    closing = true;
    work_cv.notify_all();
    ready_cv.notify_all();
  };

  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      name_this_thread("primer-worker");
      std::unique_lock lock(mu);
      for (;;) {
        work_cv.wait(lock, [&] { return closing || !todo.empty(); });
        if (closing) return;
        auto [seq, item] = std::move(todo.front());
        todo.pop_front();
        lock.unlock();
        std::exception_ptr e;
        try {
          prepare(*item);
        } catch (...) {
          e = std::current_exception();
        }
        lock.lock();
        if (e) {
          fail(std::move(e));
          return;
        }
        ready.emplace(seq, std::move(item));
        ready_cv.notify_one();
      }
    });

  uint64_t fetched = 0, consumed = 0;
  bool more = true;
  try {
    for (;;) {
      std::unique_ptr<T> next;
      {
        std::unique_lock lock(mu);
        if (error) break;
        auto it = ready.find(consumed);
        if (it != ready.end()) {
          next = std::move(it->second);
          ready.erase(it);
        } else if (!more || fetched - consumed >= in_flight) {
          if (!more && consumed == fetched) break;
          ready_cv.wait(lock, [&] { return error || ready.count(consumed) > 0; });
          continue;
        }
      }
      if (next) {  // the oldest item is prepared: consume it before fetching more
        consume(*next);
        ++consumed;
        continue;
      }
      std::unique_ptr<T> item = fetch();  // may block: no lock held
      std::lock_guard lock(mu);
      if (!item) {
        more = false;
        continue;
      }
      todo.emplace_back(fetched++, std::move(item));
      work_cv.notify_one();
    }
  } catch (...) {
    std::lock_guard lock(mu);
    fail(std::current_exception());
  }
  {
    std::lock_guard lock(mu);
    closing = true;
    work_cv.notify_all();
  }
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace primer::base
