#include "pipeline/run.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>

#include "base/ordered_stages.h"
#include "base/rng.h"
#include "pipeline/progress.h"
#include "pipeline/report.h"
#include "pipeline/run_sinks.h"
#include "pipeline/run_sources.h"
#include "pipeline/run_state.h"
#include "pipeline/stop_signal.h"
#include "prompts/prompt.h"
#include "prompts/sampler.h"
#include "storage/card.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/record.h"
#include "storage/shard.h"

#ifndef PRIMER_VERSION
#define PRIMER_VERSION "0.0.0"
#endif

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

constexpr size_t kBatch = 64;  // prompts per pipeline token

// Set by the first SIGINT/SIGTERM (stop_signal.h): stop after the current batch (and wait
// for paid requests in flight).
std::atomic<bool>& g_stop = stop_flag();

// journal/filters/f{i}-{k:05d}.bin: ordered filter i's state added by checkpoint k.
std::string filter_state_name(size_t i, uint64_t k) {
  return storage::numbered_name("filters/f" + std::to_string(i) + "-", k, ".bin");
}

struct Batch {
  std::vector<Item> items;
};

class Run {
 public:
  Run(const Config& config, const RunOptions& options)
      : config_(config),
        options_(options),
        sink_(make_run_sink(config, options)),
        out_(sink_->dir()),
        begin_(sink_->begin()),
        end_(sink_->end()) {}

  RunReport execute();
  bool writes_report() const { return sink_->writes_report(); }

 private:
  void setup_components();
  bool read_journal();
  void load_or_start();
  void generate();
  void prepare(Item& item, double validation_fraction) const;
  void consume(const PromptOutcome& outcome, std::string_view line);
  void checkpoint(uint64_t next_index);
  void finalize();
  storage::Manifest build_manifest() const;
  fs::path journal(const std::string& rel) const { return out_ / "journal" / rel; }
  storage::ShardOptions shard_options() const { return config_.storage.shard_options(); }
  storage::ShardLimits shard_limits() const {
    return {static_cast<uint64_t>(config_.storage.shard_records),
            static_cast<uint64_t>(config_.storage.shard_mb * 1e6)};
  }

  const Config& config_;
  RunOptions options_;
  std::unique_ptr<RunSink> sink_;  // where the records go (run_sinks.h)
  fs::path out_;                   // the sink's directory
  uint64_t begin_, end_;           // the prompt indices of this run (a task's slice, or all)

  std::unique_ptr<vocab::Vocabulary> vocab_;
  std::unique_ptr<prompts::PromptSampler> sampler_;
  std::unique_ptr<ReplySource> source_;  // the replies (run_sources.h)
  std::string teacher_name_;
  std::unique_ptr<filters::FilterChain> chain_;
  std::string template_text_;
  std::vector<storage::InputFile> inputs_;  // the bytes this session reads (vocab list, template, filter files)
  bool resuming_ = false;                   // OUT holds an unfinished run (journal/state.json)

  RunState state_;
  std::chrono::steady_clock::time_point t0_;
  std::unique_ptr<storage::ShardWriter> train_;
  std::string validation_buffer_;
  std::string rejected_buffer_;  // [storage] rejected: dropped records since the last checkpoint
  bool keep_rejected() const { return sink_->keeps_rejected(); }
  uint64_t session_bytes_ = 0;
  std::unique_ptr<Progress> progress_;
  RunReport report_;
};

void Run::setup_components() {
  try {
    vocab_ =
        std::make_unique<vocab::Vocabulary>(vocab::Vocabulary::load(config_.resolve(config_.vocab_list, "vocab.list")));
  } catch (const vocab::VocabError& e) {
    throw ConfigError(e.what());
  }
  const fs::path tmpl_path = config_.resolve(config_.prompts.template_path, "prompts.template");
  try {
    sampler_ = make_sampler(config_, *vocab_);
    // The card shows the template as the teacher sees it: without its comment lines.
    const std::string raw = storage::read_file(tmpl_path);
    for (std::string_view rest = raw; !rest.empty();) {
      const size_t eol = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, eol);
      if (!line.starts_with("#")) template_text_.append(line).push_back('\n');
      rest.remove_prefix(std::min(eol + 1, rest.size()));
    }
    while (!template_text_.empty() && (template_text_.back() == '\n' || template_text_.back() == ' '))
      template_text_.pop_back();
  } catch (const prompts::PromptError& e) {
    throw ConfigError(e.what());
  }
  source_ = make_reply_source(config_, options_.batch_replies, *vocab_, *sampler_, out_ / "journal/replies");
  teacher_name_ = source_->teacher_name();
  filters::FilterContext ctx;
  ctx.vocab = vocab_.get();
  ctx.resolve_path = [this](const fs::path& p, std::string_view key) { return config_.resolve(p, key); };
  ctx.out_dir = sink_->decides() ? out_ : fs::path();  // a task's ordered filters never decide
  ctx.cancel = &g_stop;                                // Ctrl-C: exercises in flight are killed, not waited for
  chain_ = std::make_unique<filters::FilterChain>(make_filters(config_, ctx));
  if (keep_rejected())  // the record with the filter that dropped it and why
    chain_->set_reject_sink([this](const filters::Decision& d, std::string_view line, std::string_view) {
      if (line.empty() || line.back() != '}') return;
      storage::append_rejected_record(rejected_buffer_, line, d.by, d.reason);
      rejected_buffer_.push_back('\n');
    });
}

// An unfinished run in OUT: its state, checked against this config and the bytes of its
// inputs before anything is built from them (a changed list is named, not parsed).
bool Run::read_journal() {
  const fs::path state_path = journal("state.json");
  if (!fs::exists(state_path)) return false;
  state_ = RunState::parse(storage::read_file(state_path), state_path);
  if (state_.totals.config_hash != config_.hash)
    throw RunError(out_.string() + " holds an unfinished run of a different config (hash " +
                   state_.totals.config_hash.substr(0, 12) + ", this config " + config_.hash.substr(0, 12) +
                   "); rerun with the original config to resume, or choose another --out");
  if (const std::string changed = changed_input(state_.totals.inputs, inputs_); !changed.empty())
    throw RunError(out_.string() + " holds an unfinished run made from other inputs: " + changed +
                   " since it started; restore it to resume, or choose another --out");
  return true;
}

void Run::load_or_start() {
  const fs::path state_path = journal("state.json");
  if (resuming_) {
    // Counters and filter state as of the last checkpoint.
    try {
      chain_->set_counts(filter_counts(state_.totals.filters));
    } catch (const std::invalid_argument& e) {
      throw RunError(state_path.string() + ": " + e.what());
    }
    for (size_t i = 0; i < chain_->size(); ++i) {
      if (!chain_->filter(i).ordered()) continue;
      for (uint64_t k = 0; k < state_.checkpoints; ++k)
        chain_->restore_state(i, storage::read_file(journal(filter_state_name(i, k))));
    }
    sink_->check();
    for (const char* dir : {"journal", "journal/shards", "journal/validation", "journal/filters", "journal/signatures",
                            "journal/rejected"})
      if (fs::exists(out_ / dir)) storage::remove_stale_temporaries(out_ / dir);
    return;
  }
  // A merge writes next to the tasks/ it merges (and slurm/, the jobs' scripts and logs);
  // anything else needs an empty directory.
  bool empty = true;
  if (fs::exists(out_))
    for (const auto& e : fs::directory_iterator(out_))
      empty &= options_.replay && (e.path().filename() == "tasks" || e.path().filename() == "slurm");
  if (!empty) throw RunError(out_.string() + " is not empty and holds no primer run; choose another --out");
  for (const char* dir : {"journal/shards", "journal/validation", "journal/filters", "journal/rejected"})
    fs::create_directories(out_ / dir);
  sink_->create();
  state_.next_index = begin_;
  state_.totals.config_hash = config_.hash;
  state_.totals.inputs = inputs_;
  state_.totals.started_at = storage::utc_now();
  if (options_.replay) {  // a merge continues the tasks' run
    state_.totals.started_at = options_.replay->started_at();
    state_.totals.seconds = options_.replay->seconds();
  }
  state_.totals.filters = filter_reports(*chain_);
  storage::write_file_atomic(journal("state.json"), state_.to_json());
}

// The parallel stage for one prompt: its prompt, the reply, the stateless half of the
// filter chain, and the JSON record of a candidate.
void Run::prepare(Item& it, double validation_fraction) const {
  if (!it.prompt_sampled) it.doc.prompt = sampler_->sample(config_.seed, it.doc.prompt.index);
  it.doc.teacher = teacher_name_;
  source_->complete(it);
  PromptOutcome& o = it.outcome;
  if (o.failed) return;
  const base::Usage usage = it.doc.reply.usage;
  o.prompt_tokens = usage.prompt_tokens;
  o.completion_tokens = usage.completion_tokens;
  if (const auto cost = source_->cost_usd(usage)) o.cost_usd = *cost;
  o.prepared = chain_->prepare(it.doc);
  o.text_bytes = it.doc.reply.text.size();
  if (o.prepared.dropped_at >= 0 && !keep_rejected()) return;
  it.line.reserve(it.doc.reply.text.size() + it.doc.prompt.text.size() + 256);
  o.invalid_utf8 = storage::append_record_json(it.line, it.doc);
  o.validation = storage::in_validation(it.doc.id(), validation_fraction);
}

void Run::consume(const PromptOutcome& o, std::string_view line) {
  // Stopping: what was prepared after the signal may be cut short; it is redone on resume
  // (nothing past the last checkpoint is kept), so none of it is counted or written.
  if (g_stop.load()) return;
  ++state_.totals.prompts;
  sink_->record(o);
  if (o.failed) {
    ++state_.totals.teacher_failures;
    progress_->update(state_.totals.prompts, state_.totals.kept, session_bytes_);
    return;
  }
  ++state_.totals.replies;
  state_.totals.prompt_tokens += o.prompt_tokens;
  state_.totals.completion_tokens += o.completion_tokens;
  state_.totals.cost_usd += o.cost_usd;
  session_bytes_ += o.text_bytes;
  // A task keeps every candidate: the ordered filters decide at `primer merge`.
  // Dropped records go to the chain's reject sink (rejected_buffer_, with keep_rejected()).
  const filters::Verdict v = sink_->decides() ? chain_->decide(o.prepared, line) : filters::Verdict{o.prepared.reason};
  if (v.keep()) {
    ++state_.totals.kept;
    state_.totals.text_bytes += o.text_bytes;
    state_.totals.invalid_utf8 += o.invalid_utf8;
    if (o.validation && sink_->splits_validation()) {
      validation_buffer_ += line;
      validation_buffer_.push_back('\n');
    } else {
      if (!train_)
        train_ = std::make_unique<storage::ShardWriter>(
            journal(storage::numbered_name("shards/" + std::string(sink_->shard_split()) + "-",
                                           state_.totals.shards.size(), storage::kShardSuffix)),
            shard_options());
      train_->append(line);
      if (train_->full(shard_limits())) checkpoint(o.index + 1);
    }
  }
  if (sink_->wants_checkpoint()) checkpoint(o.index + 1);
  progress_->update(state_.totals.prompts, state_.totals.kept, session_bytes_);
}

void Run::checkpoint(uint64_t next_index) {
  const uint64_t k = state_.checkpoints;
  if (train_) {
    storage::ShardInfo info = train_->finish();
    info.path = "journal/shards/" + info.path;
    info.split = sink_->shard_split();
    state_.totals.shards.push_back(std::move(info));
    train_.reset();
  }
  sink_->checkpoint(state_, k);
  if (!rejected_buffer_.empty()) {
    const std::string rel = storage::numbered_name("journal/rejected/piece-", k, storage::kShardSuffix);
    storage::ShardWriter piece(out_ / rel, 1);
    piece.append(std::string_view(rejected_buffer_).substr(0, rejected_buffer_.size() - 1));
    piece.finish();
    state_.rejected_pieces.push_back(rel);
    rejected_buffer_.clear();
  }
  if (!validation_buffer_.empty()) {
    const std::string rel = storage::numbered_name("journal/validation/piece-", k, storage::kShardSuffix);
    storage::ShardWriter piece(out_ / rel, 1);
    piece.append(std::string_view(validation_buffer_).substr(0, validation_buffer_.size() - 1));
    piece.finish();
    state_.validation_pieces.push_back(rel);
    validation_buffer_.clear();
  }
  chain_->save_state(
      [&](size_t i, const std::string& delta) { storage::write_file_atomic(journal(filter_state_name(i, k)), delta); });
  chain_->write_outputs();  // reports (decontamination.json) as of this checkpoint
  state_.next_index = next_index;
  state_.checkpoints = k + 1;
  state_.totals.filters = filter_reports(*chain_);
  state_.totals.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  t0_ = std::chrono::steady_clock::now();
  storage::write_file_atomic(journal("state.json"), state_.to_json());  // the commit point
  source_->checkpoint(next_index);
}

void Run::generate() {
  const uint64_t count = end_;
  uint64_t next = state_.next_index;
  report_.resumed_from = next;
  progress_ = std::make_unique<Progress>(options_.replay ? "primer merge" : "primer run", end_ - begin_, next - begin_,
                                         options_.progress);
  bool source_stopped = false;
  if (options_.replay && next < count) {  // outcomes past the parallel stage: straight to consume
    options_.replay->replay(next, [&](const PromptOutcome& o, std::string_view line) {
      consume(o, line);
      return !g_stop.load();
    });
  } else if (next < count) {
    source_->start(next, count, state_.totals.cost_usd);
    progress_->set_note([this] { return source_->progress_note(); });
    // Filters may use oneTBB inside prepare: --threads bounds it too.
    std::unique_ptr<tbb::global_control> limit;
    if (options_.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, options_.threads);
    const size_t workers =
        options_.threads > 0 ? options_.threads : static_cast<size_t>(tbb::this_task_arena::max_concurrency());
    const double fraction = config_.storage.validation_fraction;
    try {
      // Fetch and consume here, in prompt order; prepare (sampling, unless the source did,
      // the built-in teacher's story, filters, the record's JSON) on `workers` threads.
      base::run_ordered<Batch>(
          workers, 4 * workers,
          [&]() -> std::unique_ptr<Batch> {
            if (next >= count || g_stop.load()) return nullptr;
            const uint64_t end = std::min<uint64_t>(next + kBatch, count);
            auto batch = std::make_unique<Batch>();
            batch->items.resize(end - next);
            if (!source_->fetch(next, batch->items, g_stop)) {
              source_stopped = true;
              return nullptr;
            }
            for (auto& it : batch->items) it.doc.prompt.index = it.outcome.index = next++;
            return batch;
          },
          [&](Batch& b) {
            for (auto& it : b.items) {
              if (g_stop.load()) break;  // not consumed anyway
              prepare(it, fraction);
            }
          },
          [&](Batch& b) {
            for (auto& it : b.items) consume(it.outcome, it.line);
          });
    } catch (const filters::FilterCancelled&) {
      // A filter saw the stop flag mid-document (g_stop is set): stop as between batches.
    }
  }
  if (g_stop.load() || source_stopped) {
    report_.interrupted = g_stop.load();
    source_->stopped(report_, options_.progress);
    progress_->finish(state_.totals.prompts, state_.totals.kept, session_bytes_);
    source_->close();
    return;
  }
  // The last (partial) shard and the remaining validation records: a final checkpoint
  // that also switches the run to its finalize phase.
  state_.phase = "finalize";
  if (options_.replay && state_.totals.prompts != end_)
    throw RunError("the tasks hold " + std::to_string(state_.totals.prompts) + " prompts, the config has " +
                   std::to_string(end_));
  checkpoint(count);
  progress_->finish(state_.totals.prompts, state_.totals.kept, session_bytes_);
  source_->close();
}

// The sink moves everything to its final name and writes the manifest last; the journal
// goes after it (a rerun that finds both finishes the removal).
void Run::finalize() {
  RunEnding ending{state_, build_manifest(), {}, options_.threads, options_.progress};
  storage::CardInfo& card = ending.card;
  card.title = std::string(sampler_->title());
  card.license = config_.storage.license;
  card.prompt_template = template_text_;
  card.vocabulary = fmt::format("`{}` ({} nouns, {} verbs, {} adjectives, {} names)", config_.vocab_list.string(),
                                vocab_->with_pos(vocab::Pos::kNoun).size(), vocab_->with_pos(vocab::Pos::kVerb).size(),
                                vocab_->with_pos(vocab::Pos::kAdj).size(), vocab_->with_pos(vocab::Pos::kName).size());
  if (config_.teacher.kind == "builtin")
    card.teacher_note = fmt::format(
        "primer's built-in offline stand-in for a language model (stories assembled from sentence banks; noise = {})",
        config_.teacher.noise);
  report_.manifest = sink_->finish(ending);
  fs::remove_all(out_ / "journal");
}

storage::Manifest Run::build_manifest() const {
  storage::Manifest m = state_.totals;  // counts, filters, train shards, timings
  m.primer_version = PRIMER_VERSION;
  m.config_json = config_.canonical_json;
  m.kind = config_.prompts.kind;
  m.teacher = teacher_name_;
  m.caveats = chain_->caveats();
  m.compression = config_.storage.compression_info();
  return m;
}

RunReport Run::execute() {
  if (fs::exists(out_ / "manifest.json")) {
    storage::Manifest m = storage::Manifest::load(out_ / "manifest.json");
    if (m.config_hash != config_.hash)
      throw RunError(out_.string() + " holds a finished run of a different config; choose another --out");
    if (const std::string changed = changed_input(m.inputs, hash_inputs(config_)); !changed.empty())
      throw RunError(out_.string() + " holds a finished run made from other inputs: " + changed +
                     " since it was made; choose another --out");
    sink_->check();
    fs::remove_all(out_ / "journal");  // a crash may have left it after the manifest
    report_.already_complete = true;
    report_.manifest = std::move(m);
    return report_;
  }
  inputs_ = hash_inputs(config_);
  resuming_ = read_journal();
  setup_components();
  load_or_start();
  t0_ = std::chrono::steady_clock::now();
  if (state_.phase == "generate") generate();  // SIGINT/SIGTERM (run()) stop it between batches
  if (report_.interrupted || report_.budget_reached || report_.teacher_stopped) {
    report_.manifest = build_manifest();
    return report_;
  }
  finalize();
  return report_;
}

}  // namespace

RunReport run(const Config& config, const RunOptions& options) {
  // SIGINT/SIGTERM: while generating, the run stops at its last checkpoint (exit 130).
  // Once it is finishing (renames, tokenizer, manifest), a first signal lets it finish and
  // skips the report; a second leaves at once (StopOnSignals) and a rerun finishes it.
  // Without the handlers then, a Ctrl-C in those last moments killed the process outright.
  const StopOnSignals stop;
  Run r(config, options);
  RunReport report = r.execute();
  if (r.writes_report() && !report.interrupted && !report.budget_reached && !report.teacher_stopped) {
    if (!g_stop.load()) write_report_at_end(options.out, config.report.verify, options.progress);
    else  // like the interrupted line of `primer run`, said even with --quiet
      std::fprintf(stderr,
                   "primer: stopped before writing report.html; the dataset is complete (`primer report %s` "
                   "writes the page)\n",
                   options.out.c_str());
  }
  return report;
}

Estimate estimate(const Config& config) {
  Estimate e;
  const auto vocab = vocab::Vocabulary::load(config.resolve(config.vocab_list, "vocab.list"));
  const auto sampler = make_sampler(config, vocab);
  const bool http = config.teacher.kind == "openai";
  const double max_tokens = http ? double(config.teacher.http.request.max_tokens) : 0;
  // Every prompt up to kEstimateSample; beyond, prompt k * count / kEstimateSample of each
  // k (128-bit: count may be 2^63), and the mean scaled to the count.
  e.sampled = std::min(config.count, kEstimateSample);
  double chars = 0;
  for (uint64_t k = 0; k < e.sampled; ++k) {
    const auto i = static_cast<uint64_t>(static_cast<unsigned __int128>(k) * config.count / e.sampled);
    chars += double(sampler->sample(config.seed, i).text.size());
  }
  e.prompt_tokens = chars / double(e.sampled) * double(config.count) / 4.0;
  e.requests = config.count;
  e.completion_tokens = max_tokens * double(config.count);
  e.model = http ? config.teacher.http.request.model : "builtin";
  if (!http) e.cost_usd = 0.0;
  else if (const auto& p = config.teacher.http.price)
    e.cost_usd = (p->input * e.prompt_tokens + p->output * e.completion_tokens) / 1e6;
  return e;
}

std::string summary_table(const storage::Manifest& m) {
  std::string s;
  auto pct = [](uint64_t a, uint64_t b) {
    return b ? fmt::format("{:5.1f}%", 100.0 * double(a) / double(b)) : "    -";
  };
  s += fmt::format("{:<28}{:>12}\n", "prompts", with_commas(m.prompts));
  s += fmt::format("{:<28}{:>12}\n", "replies", with_commas(m.replies));
  if (m.teacher_failures) s += fmt::format("{:<28}{:>12}\n", "teacher failures", with_commas(m.teacher_failures));
  for (const auto& f : m.filters) {
    s += fmt::format("filter {:<21}{:>12} seen {:>12} kept {:>12} dropped ({})\n", f.name, with_commas(f.seen),
                     with_commas(f.kept), with_commas(f.dropped_total()), pct(f.dropped_total(), f.seen));
    for (const auto& d : f.dropped)
      if (d.count) s += fmt::format("  {:<26}{:>12}\n", d.reason, with_commas(d.count));
  }
  s += fmt::format("{:<28}{:>12} ({} of prompts)\n", "kept", with_commas(m.kept), pct(m.kept, m.prompts));
  s += fmt::format("{:<28}{:>12}\n", "  train", with_commas(m.split_records("train")));
  s += fmt::format("{:<28}{:>12}\n", "  validation", with_commas(m.split_records("validation")));
  s += fmt::format("{:<28}{:>12.1f} MB in {} shards\n", "text", double(m.text_bytes) / 1e6, m.shards.size());
  if (m.tokenizer)
    s += fmt::format("{:<28}{:>12} train + {} validation tokens ({} pieces)\n", "tokens",
                     with_commas(m.split_tokens("train")), with_commas(m.split_tokens("validation")),
                     m.tokenizer->vocab_size);
  if (m.prompt_tokens > 0)
    s += fmt::format("{:<28}{:>12} prompt + {} completion tokens{}\n", "teacher usage", with_commas(m.prompt_tokens),
                     with_commas(m.completion_tokens), m.cost_usd > 0 ? fmt::format(", ${:.4f}", m.cost_usd) : "");
  s += fmt::format("{:<28}{:>12}\n", "wall time",
                   m.seconds < 60 ? fmt::format("{:.1f} s", m.seconds) : clock_time(m.seconds));
  return s;
}

}  // namespace primer::pipeline
