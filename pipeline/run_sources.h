// Where a run's replies come from (pipeline/run.cc). A run is one pipeline:
//
//   source (serial, in prompt order) → prepare (parallel: prompt, reply, stateless
//   filters, record) → consume (serial, in prompt order: ordered filters, shards)
//
// and a ReplySource is its first stage. Three kinds:
//   - the built-in teacher: nothing to fetch; each reply is written in the parallel
//     stage (complete()), so generation uses every core;
//   - an HTTP teacher (HttpSource): replies arrive on its one I/O thread, journaled as
//     they come; fetch() hands over a batch in prompt order and says when the run must
//     stop (quota, budget, a signal); the paid requests still in flight are drained;
//   - `primer batch import`: the replies of an OpenAI Batch API result file, by index.
// A merge (`primer merge`, RunOptions::replay) replays outcomes that have already been
// through the parallel stage, so they go straight to consume(); its source only names
// the teacher.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/doc.h"
#include "generators/http_teacher.h"
#include "pipeline/outcomes.h"

namespace primer::vocab {
class Vocabulary;
}
namespace primer::prompts {
class PromptSampler;
}

namespace primer::pipeline {

struct Config;
struct RunReport;

// One prompt on its way through the run.
struct Item {
  base::Doc doc;
  bool prompt_sampled = false;  // doc.prompt is already the sampler's (an HTTP source sampled it to send it)
  PromptOutcome outcome;        // failed (HTTP: after its retries), stateless verdict, keys, counts
  std::string line;             // the JSON record (candidates only: no stateless filter dropped it)
};

class ReplySource {
 public:
  virtual ~ReplySource() = default;
  // The teacher's name in records and the manifest.
  virtual std::string teacher_name() const = 0;
  // Called once before the first fetch, for prompts [next, end) of this session;
  // `spent_usd`: what the replies before `next` cost (from the checkpoint).
  virtual void start(uint64_t next, uint64_t end, double spent_usd) {
    (void)next;
    (void)end;
    (void)spent_usd;
  }
  // Serial stage: the replies (or failures) of `items`, prompts first, first + 1, ...
  // False: the source stopped (quota, budget, `stop`); nothing of this batch counts.
  virtual bool fetch(uint64_t first, std::span<Item> items, const std::atomic<bool>& stop) {
    (void)first;
    (void)items;
    (void)stop;
    return true;
  }
  // Parallel stage: writes item.doc.reply from item.doc.prompt (the built-in teacher).
  virtual void complete(Item& item) const { (void)item; }
  // What a reply of this usage cost; nullopt: free or unknown.
  virtual std::optional<double> cost_usd(const base::Usage& usage) const {
    (void)usage;
    return std::nullopt;
  }
  // Everything below next_index is in a committed checkpoint.
  virtual void checkpoint(uint64_t next_index) { (void)next_index; }
  // One line for the progress display; empty: none.
  virtual std::string progress_note() const { return {}; }
  // The run stopped early: say why in `report` (beyond an interrupt) and wait for the
  // requests in flight, which are paid for.
  virtual void stopped(RunReport& report, bool progress) {
    (void)report;
    (void)progress;
  }
  // The session's fetching is over (stopped or done): threads and journals closed.
  virtual void close() {}
};

// The source of a run of `config` with these options: the Batch API replies when given,
// else the config's teacher. `vocab` and `sampler` outlive the source.
std::unique_ptr<ReplySource> make_reply_source(const Config& config,
                                               const std::map<uint64_t, generators::Completion>* batch_replies,
                                               const vocab::Vocabulary& vocab, const prompts::PromptSampler& sampler,
                                               const std::filesystem::path& journal_dir);

}  // namespace primer::pipeline
