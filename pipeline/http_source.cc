#include "pipeline/http_source.h"

#include <fmt/format.h>

#include <chrono>

#include "base/rng.h"
#include "base/thread_name.h"

namespace primer::pipeline {

HttpSource::HttpSource(const generators::HttpTeacherOptions& options, const prompts::PromptSampler& sampler,
                       uint64_t seed, std::filesystem::path journal_dir, uint64_t from, uint64_t count,
                       double budget_usd, double spent_usd)
    : sampler_(sampler), seed_(seed), count_(count), budget_usd_(budget_usd), spent_usd_(spent_usd) {
  journal_ = std::make_unique<ReplyJournal>(std::move(journal_dir), from);
  teacher_ = std::make_unique<generators::HttpTeacher>(options);
  window_ = 2 * static_cast<uint64_t>(options.max_in_flight) + 64;
  max_unjournaled_ = static_cast<uint64_t>(options.max_in_flight);
  next_submit_ = from;
  // Replies already paid for: resolved now, if they answer the same request.
  for (auto& [index, j] : journal_->take_loaded()) {
    if (index >= count_) continue;
    const base::PromptSpec p = sampler_.sample(seed_, index);
    if (j.request_hash != request_hash(generators::request_body(options.request, p))) continue;
    generators::Completion c;
    c.index = index;
    c.ok = true;
    c.reply = std::move(j.reply);
    if (options.price) spent_usd_ += generators::cost_usd(*options.price, c.reply.usage);
    resolved_.emplace(index, std::move(c));
    ++reused_;
  }
  collector_ = std::thread([this] {
    base::name_this_thread("primer-journal");
    collect();
  });
}

HttpSource::~HttpSource() {
  closing_ = true;
  teacher_->interrupt_wait();  // not a wait of up to 50 ms at the end of every run
  collector_.join();
  teacher_.reset();
  journal_->flush();
}

double HttpSource::worst_case_cost(const base::PromptSpec& p) const {
  const auto& price = teacher_->options().price;
  if (!price) return 0;
  return (price->input * static_cast<double>(p.text.size()) / 4.0 +
          price->output * static_cast<double>(teacher_->options().request.max_tokens)) /
         1e6;
}

void HttpSource::collect() {
  while (!closing_) {
    auto completions = teacher_->wait(0.05);
    if (completions.empty()) continue;
    {
      // The teacher hands back the body it sent: its hash ties the reply to the request.
      std::lock_guard jl(journal_mu_);
      for (auto& c : completions) {
        if (c.ok) journal_->append(c.index, base::prompt_id(seed_, c.index), request_hash(c.request_body), c.reply);
        c.request_body = std::string();
      }
      journal_->flush();  // durable before anyone uses them
    }
    std::lock_guard lock(mu_);
    unjournaled_ -= completions.size();
    for (auto& c : completions) {
      if (auto it = outstanding_cost_.find(c.index); it != outstanding_cost_.end()) {
        outstanding_cost_sum_ -= it->second;
        outstanding_cost_.erase(it);
      }
      if (outstanding_cost_.empty()) outstanding_cost_sum_ = 0;  // no rounding drift over a long run
      spent_usd_ += c.cost_usd;
      if (c.stop_run && !halted_) {
        halted_ = true;
        halt_message_ = c.error;
      }
      if (c.stop_run && !c.ok) continue;  // not answered: asked again after a resume
      resolved_.emplace(c.index, std::move(c));
    }
    cv_.notify_all();
  }
}

void HttpSource::submit_until(uint64_t end) {
  end = std::min(end, count_);
  // Prompts go to the teacher in groups: one lock and one wake-up of its I/O thread each.
  constexpr size_t kGroup = 64;
  std::vector<std::pair<uint64_t, base::PromptSpec>> group;
  auto send = [&] {
    teacher_->submit(group);
    std::lock_guard lock(mu_);
    for (auto& [index, p] : group) sent_prompts_.emplace(index, std::move(p));
    group.clear();
  };
  while (next_submit_ < end) {
    const uint64_t index = next_submit_;
    {
      std::lock_guard lock(mu_);
      if (halted_) break;
      if (resolved_.count(index)) {  // from the journal
        ++next_submit_;
        continue;
      }
      if (unjournaled_ >= max_unjournaled_) break;  // the collector frees room
    }
    base::PromptSpec p = sampler_.sample(seed_, index);
    {
      std::lock_guard lock(mu_);
      if (budget_usd_ > 0) {  // what is outstanding matters only against a budget
        const double worst = worst_case_cost(p);
        const double projected = spent_usd_ + worst + outstanding_cost_sum_;
        if (projected > budget_usd_) {
          if (stop_ == StopReason::kNone) stop_ = StopReason::kBudget;
          break;
        }
        outstanding_cost_[index] = worst;
        outstanding_cost_sum_ += worst;
      }
      ++unjournaled_;
    }
    group.emplace_back(index, std::move(p));
    ++next_submit_;
    if (group.size() == kGroup) send();
  }
  send();
}

std::optional<std::vector<generators::Completion>> HttpSource::fetch(uint64_t begin, uint64_t end,
                                                                     const std::atomic<bool>& interrupted) {
  submit_until(end + window_);
  std::vector<generators::Completion> out;
  out.reserve(end - begin);
  std::unique_lock lock(mu_);
  for (uint64_t i = begin; i < end; ++i) {
    for (;;) {
      auto it = resolved_.find(i);
      if (it != resolved_.end()) {
        out.push_back(std::move(it->second));
        resolved_.erase(it);
        break;
      }
      if (halted_) {
        stop_ = teacher_->unreachable() ? StopReason::kUnreachable : StopReason::kQuota;
        return std::nullopt;
      }
      if (interrupted.load()) return std::nullopt;
      if (i >= next_submit_ && stop_ == StopReason::kBudget) return std::nullopt;  // never sent
      // Keep the window full (room frees up as replies are journaled), then wait.
      if (next_submit_ < std::min(count_, end + window_) && stop_ == StopReason::kNone) {
        lock.unlock();
        submit_until(end + window_);
        lock.lock();
        if (resolved_.count(i)) continue;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
  }
  return out;
}

void HttpSource::drain(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (teacher_->outstanding() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void HttpSource::checkpoint(uint64_t next_index) {
  std::lock_guard lock(journal_mu_);
  journal_->retire_below(next_index);
}

std::string HttpSource::stop_message() const {
  switch (stop_) {
    case StopReason::kQuota:
      return "the API key has no quota left (" + halt_message_ +
             "); everything finished so far is saved: add credit and rerun the same command to resume";
    case StopReason::kUnreachable:
      return "the teacher server could not be reached: " + halt_message_ +
             ". Everything finished so far is saved: start the server (or correct [teacher] base_url) and rerun "
             "the same command to resume";
    case StopReason::kBudget:
      return fmt::format(
          "budget reached: sending more could spend over budget_usd = {:.4f} USD; everything finished so far is "
          "saved: raise the budget and rerun the same command to resume",
          budget_usd_);
    case StopReason::kNone: break;
  }
  return {};
}

std::string HttpSource::progress_note() const {
  const auto s = teacher_->stats();
  std::string errors;
  for (const auto& [cls, n] : s.errors) errors += fmt::format(" {} {}", cls, n);
  const double secs =
      std::max(1e-3, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  const uint64_t tokens = s.prompt_tokens + s.completion_tokens;
  return fmt::format("{} in flight | {:.0f} req/s | {:.0f} tokens/s | {} retries | errors{} | ${:.4f} spent",
                     s.in_flight, double(s.sent) / secs, double(tokens) / secs, s.retries,
                     errors.empty() ? " 0" : errors, s.cost_usd);
}

}  // namespace primer::pipeline
