// Replies from an HTTP teacher, in prompt order, for the run pipeline.
//
// The run asks for batches of consecutive prompt indices; HttpSource keeps the teacher
// busy with a window of prompts ahead of the batch (up to max_in_flight requests), and
// a collector thread journals every reply the moment it arrives (ReplyJournal, batched
// fdatasync), so a crash loses at most the requests in flight. Replies already in the
// journal are never asked for again. Memory is bounded by the window.
//
// Budget: before sending a prompt, the spend so far plus the worst case of everything
// outstanding (prompt estimate + max_tokens at the configured price) must stay within
// budget_usd; otherwise nothing more is sent and the run stops, resumable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "generators/http_teacher.h"
#include "pipeline/reply_journal.h"
#include "prompts/prompt.h"

namespace primer::pipeline {

enum class StopReason { kNone, kQuota, kUnreachable, kBudget };

class HttpSource {
 public:
  // `spent_usd`: what the replies before `from` cost (from the checkpoint).
  HttpSource(const generators::HttpTeacherOptions& options, const prompts::PromptSampler& sampler, uint64_t seed,
             std::filesystem::path journal_dir, uint64_t from, uint64_t count, double budget_usd, double spent_usd);
  ~HttpSource();

  // The outcomes of prompts [begin, end), in order; nullopt when the run must stop
  // first (quota exhausted, the server unreachable, budget reached, or `interrupted`
  // became true).
  std::optional<std::vector<generators::Completion>> fetch(uint64_t begin, uint64_t end,
                                                           const std::atomic<bool>& interrupted);
  // Hands over, and forgets, the prompts of [begin, begin + n) that this source sampled to
  // send: sink(k, prompt of begin + k). Prompts answered from the journal are not kept.
  template <typename Sink>
  void take_prompts(uint64_t begin, size_t n, Sink&& sink) {
    std::lock_guard lock(mu_);
    for (size_t k = 0; k < n; ++k)
      if (auto it = sent_prompts_.find(begin + k); it != sent_prompts_.end()) {
        sink(k, std::move(it->second));
        sent_prompts_.erase(it);
      }
  }
  // Waits (up to timeout_s) until every request sent has come back and is journaled:
  // they are paid for, so a stopping run keeps them for the next session.
  void drain(double timeout_s);
  uint64_t in_flight() const { return teacher_->outstanding(); }
  // Everything below `next_index` is in a committed checkpoint.
  void checkpoint(uint64_t next_index);

  StopReason stop_reason() const { return stop_; }
  std::string stop_message() const;
  // One line for the progress display: in flight, req/s, retries, errors, USD.
  std::string progress_note() const;
  generators::HttpStats stats() const { return teacher_->stats(); }
  std::string model() const { return teacher_->options().request.model; }
  uint64_t reused_from_journal() const { return reused_; }

 private:
  void collect();  // collector thread
  void submit_until(uint64_t end);
  double worst_case_cost(const base::PromptSpec& p) const;

  const prompts::PromptSampler& sampler_;
  uint64_t seed_, count_;
  double budget_usd_;
  std::unique_ptr<generators::HttpTeacher> teacher_;
  std::unique_ptr<ReplyJournal> journal_;
  uint64_t window_;
  uint64_t next_submit_;
  uint64_t reused_ = 0;
  StopReason stop_ = StopReason::kNone;

  std::mutex journal_mu_;  // the collector appends, checkpoint() retires segments
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, generators::Completion> resolved_;
  // Prompts sent, until the run takes them with its replies (take_prompts): no more than
  // the window ahead of the run's fetch.
  std::unordered_map<uint64_t, base::PromptSpec> sent_prompts_;
  std::map<uint64_t, double> outstanding_cost_;  // worst case of prompts sent, by index
  double outstanding_cost_sum_ = 0;              // their sum
  // Sent but not yet journaled: never more than max_in_flight, so a kill can lose (and
  // a rerun pay again for) at most that many replies.
  uint64_t unjournaled_ = 0;
  uint64_t max_unjournaled_ = 0;
  double spent_usd_;  // replies received (and journaled)
  // The teacher stopped (no quota left, or the server unreachable; it says which): the
  // first such completion's message.
  bool halted_ = false;
  std::string halt_message_;
  std::atomic<bool> closing_{false};
  std::thread collector_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace primer::pipeline
