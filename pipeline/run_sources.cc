#include "pipeline/run_sources.h"

#include <cstdio>
#include <stdexcept>

#include "generators/builtin.h"
#include "pipeline/config.h"
#include "pipeline/http_source.h"
#include "pipeline/run.h"

namespace primer::pipeline {
namespace {

class BuiltinSource final : public ReplySource {
 public:
  BuiltinSource(const Config& config, const vocab::Vocabulary& vocab) {
    try {
      teacher_ = std::make_unique<generators::BuiltinTeacher>(
          vocab, generators::BuiltinOptions{config.teacher.noise, config.teacher.hostile, config.prompts.recipe.reply});
    } catch (const std::invalid_argument& e) {
      throw ConfigError(config.file.string() + ": the built-in teacher cannot use the vocabulary list " +
                        config.resolve(config.vocab_list, "vocab.list").string() + ": " + e.what());
    }
  }
  std::string teacher_name() const override { return teacher_->name(); }
  // It regenerates any reply for free: nothing to journal.
  void complete(Item& item) const override { item.doc.reply = teacher_->complete(item.doc.prompt); }

 private:
  std::unique_ptr<generators::BuiltinTeacher> teacher_;
};

// Replies priced by the config's [teacher] price (the Batch API at its discount).
class PricedSource : public ReplySource {
 public:
  PricedSource(const Config& config, bool batch) : config_(config), batch_(batch) {}
  std::string teacher_name() const override { return config_.teacher.http.request.model; }
  std::optional<double> cost_usd(const base::Usage& usage) const override {
    if (!config_.teacher.http.price) return std::nullopt;
    return generators::cost_usd(*config_.teacher.http.price, usage, batch_);
  }

 protected:
  const Config& config_;

 private:
  bool batch_;
};

class HttpReplySource final : public PricedSource {
 public:
  HttpReplySource(const Config& config, const prompts::PromptSampler& sampler, std::filesystem::path journal_dir)
      : PricedSource(config, false), sampler_(sampler), journal_dir_(std::move(journal_dir)) {}
  void start(uint64_t next, uint64_t end, double spent_usd) override {
    // Replies are journaled by HttpSource as they arrive.
    if (next < end)
      http_ = std::make_unique<HttpSource>(config_.teacher.http, sampler_, config_.seed, journal_dir_, next, end,
                                           config_.teacher.budget_usd, spent_usd);
  }
  bool fetch(uint64_t first, std::span<Item> items, const std::atomic<bool>& stop) override {
    // Replies in prompt order; nullopt: quota, the server unreachable, budget or an interrupt.
    auto got = http_->fetch(first, first + items.size(), stop);
    if (!got) return false;
    for (size_t k = 0; k < got->size(); ++k) {
      auto& c = (*got)[k];
      items[k].outcome.failed = !c.ok;
      items[k].doc.reply = std::move(c.reply);
    }
    // The prompts HttpSource sampled to send them: prepare need not sample them again.
    http_->take_prompts(first, items.size(), [&](size_t k, base::PromptSpec&& p) {
      items[k].doc.prompt = std::move(p);
      items[k].prompt_sampled = true;
    });
    return true;
  }
  void checkpoint(uint64_t next_index) override {
    if (http_) http_->checkpoint(next_index);
  }
  std::string progress_note() const override { return http_ ? http_->progress_note() : std::string(); }
  void stopped(RunReport& report, bool progress) override {
    if (!http_) return;
    if (!report.interrupted) {
      report.budget_reached = http_->stop_reason() == StopReason::kBudget;
      report.teacher_stopped =
          http_->stop_reason() == StopReason::kQuota || http_->stop_reason() == StopReason::kUnreachable;
      report.stop_message = http_->stop_message();
    }
    if (http_->in_flight() > 0) {
      if (progress)
        std::fprintf(stderr,
                     "\nprimer: waiting for %llu paid requests in flight (press Ctrl-C again to abandon them)\n",
                     static_cast<unsigned long long>(http_->in_flight()));
      http_->drain(config_.teacher.http.timeout_s);
    }
  }
  void close() override { http_.reset(); }

 private:
  const prompts::PromptSampler& sampler_;
  std::filesystem::path journal_dir_;
  std::unique_ptr<HttpSource> http_;  // while fetching
};

// `primer batch import`: a missing index is a teacher failure.
class BatchSource final : public PricedSource {
 public:
  BatchSource(const Config& config, const std::map<uint64_t, generators::Completion>& replies)
      : PricedSource(config, true), replies_(replies) {}
  bool fetch(uint64_t first, std::span<Item> items, const std::atomic<bool>&) override {
    for (size_t k = 0; k < items.size(); ++k) {
      const auto it = replies_.find(first + k);
      if (it == replies_.end() || !it->second.ok) items[k].outcome.failed = true;
      else items[k].doc.reply = it->second.reply;
    }
    return true;
  }

 private:
  const std::map<uint64_t, generators::Completion>& replies_;
};

}  // namespace

std::unique_ptr<ReplySource> make_reply_source(const Config& config,
                                               const std::map<uint64_t, generators::Completion>* batch_replies,
                                               const vocab::Vocabulary& vocab, const prompts::PromptSampler& sampler,
                                               const std::filesystem::path& journal_dir) {
  if (batch_replies) return std::make_unique<BatchSource>(config, *batch_replies);
  if (config.teacher.kind == "openai") return std::make_unique<HttpReplySource>(config, sampler, journal_dir);
  return std::make_unique<BuiltinSource>(config, vocab);
}

}  // namespace primer::pipeline
