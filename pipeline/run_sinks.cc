#include "pipeline/run_sinks.h"

#include <simdjson.h>

#include <cstdio>

#include "base/json.h"
#include "model/encode.h"
#include "model/tokenizer.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "storage/shard.h"

namespace primer::pipeline {
namespace fs = std::filesystem;

void RunSink::place(const std::string& from, const std::string& to) const {
  if (fs::exists(dir_ / from)) storage::rename_durable(dir_ / from, dir_ / to);
  else if (!fs::exists(dir_ / to)) throw RunError(from + " is missing; the run cannot be finished");
}

void RunSink::place_rejected(const RunState& state) const {
  for (size_t i = 0; i < state.rejected_pieces.size(); ++i) {
    if (i == 0) fs::create_directories(dir_ / storage::kRejectedDir);
    place(state.rejected_pieces[i], storage::rejected_shard_path(i));
  }
}

namespace {

// OUT itself: the whole run's dataset.
class DatasetSink final : public RunSink {
 public:
  DatasetSink(const Config& config, const RunOptions& options)
      : RunSink(options.out, 0, config.count),
        config_(config),
        keeps_rejected_(config.storage.rejected && !options.replay) {}

  bool decides() const override { return true; }
  // A merge's records were filtered by the tasks, which keep no rejected records.
  bool keeps_rejected() const override { return keeps_rejected_; }
  bool splits_validation() const override { return true; }
  std::string_view shard_split() const override { return "train"; }
  void create() const override { fs::create_directories(dir() / storage::kDataDir); }
  storage::Manifest finish(RunEnding& ending) override;
  bool writes_report() const override { return config_.report.enabled; }

 private:
  std::vector<storage::ShardInfo> validation_shards(const RunState& state) const;

  const Config& config_;
  bool keeps_rejected_;
};

// Validation shards from the checkpoints' pieces (idempotent: rewritten from the pieces on
// a rerun).
std::vector<storage::ShardInfo> DatasetSink::validation_shards(const RunState& state) const {
  std::vector<storage::ShardInfo> validation;
  const storage::ShardLimits limits{static_cast<uint64_t>(config_.storage.shard_records),
                                    static_cast<uint64_t>(config_.storage.shard_mb * 1e6)};
  std::unique_ptr<storage::ShardWriter> w;
  auto close = [&] {
    if (!w) return;
    storage::ShardInfo info = w->finish();
    info.path = "journal/shards/" + info.path;
    info.split = "validation";
    validation.push_back(std::move(info));
    w.reset();
  };
  for (const auto& piece : state.validation_pieces) {
    storage::read_lines(dir() / piece, [&](std::string_view line) {
      if (!w)
        w = std::make_unique<storage::ShardWriter>(
            dir() / "journal" / storage::numbered_name("shards/validation-", validation.size(), storage::kShardSuffix),
            config_.storage.shard_options());
      w->append(line);
      if (w->full(limits)) close();
    });
  }
  close();
  return validation;
}

storage::Manifest DatasetSink::finish(RunEnding& ending) {
  std::vector<storage::ShardInfo> validation = validation_shards(ending.state);
  // Final names: data/{split}-{i:05d}-of-{n:05d}.jsonl.zst (storage/layout.h).
  storage::Manifest& m = ending.manifest;
  m.shards.clear();
  for (const auto* list : {&ending.state.totals.shards, &validation}) {
    const size_t n = list->size();
    for (size_t i = 0; i < n; ++i) {
      storage::ShardInfo s = (*list)[i];
      const std::string final_rel = storage::data_shard_path(s.split, i, n);
      place(s.path, final_rel);
      s.path = final_rel;
      m.shards.push_back(std::move(s));
    }
  }
  place_rejected(ending.state);  // [storage] rejected: the checkpoint pieces become rejected/ shards
  const auto finalize_started = std::chrono::steady_clock::now();
  if (config_.tokenizer) {
    // Last stages: tokenizer.model from the train split, then tokens/*.bin. A crash here
    // repeats them on the rerun (every file is written atomically, the output is fixed).
    model::TokenizerOptions t = *config_.tokenizer;
    t.seed = config_.seed;
    if (ending.progress) std::fprintf(stderr, "primer run: training the tokenizer (%d pieces)\n", t.vocab_size);
    std::vector<storage::ShardInfo> train;
    for (const auto& s : m.shards)
      if (s.split == "train") train.push_back(s);
    m.tokenizer = model::train_tokenizer(dir(), train, t);
    if (m.tokenizer->requested_vocab_size > m.tokenizer->vocab_size)  // said even with --quiet: train must know
      std::fprintf(
          stderr,
          "primer run: warning: the tokenizer has %u pieces, fewer than [tokenizer] vocab_size = %u (the train "
          "split has no more to merge); give the model vocab_size = %u\n",
          m.tokenizer->vocab_size, m.tokenizer->requested_vocab_size, m.tokenizer->vocab_size);
    if (ending.progress) std::fprintf(stderr, "primer run: encoding token shards\n");
    model::EncodeOptions e;
    e.threads = ending.threads;
    m.token_shards =
        model::encode_dataset(dir(), m.shards, model::Tokenizer::load(dir() / m.tokenizer->path), e).shards;
  }
  m.finished_at = storage::utc_now();
  m.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - finalize_started).count();
  storage::write_file_atomic(dir() / "README.md", storage::dataset_card(m, ending.card));
  storage::write_file_atomic(dir() / "manifest.json", m.to_json());  // last: the run is complete
  return m;
}

// OUT/tasks/K: one task's slice of a split run.
class TaskSliceSink final : public RunSink {
 public:
  TaskSliceSink(const Config& config, const RunOptions& options)
      : RunSink(options.out / "tasks" / std::to_string(options.task->index), options.task->begin(config.count),
                options.task->end(config.count)),
        config_(config),
        task_(*options.task) {}

  bool decides() const override { return false; }  // the ordered filters decide at the merge
  bool keeps_rejected() const override { return false; }
  bool splits_validation() const override { return false; }  // the merge splits
  std::string_view shard_split() const override { return "candidates"; }
  void create() const override {
    fs::create_directories(dir() / "journal/signatures");
    storage::write_file_atomic(dir() / "task.json", task_json({}));
  }
  void check() const override;
  void record(const PromptOutcome& o) override {
    append_outcome(signatures_, o);
    ++signature_records_;
  }
  // A task whose candidates are rare still bounds the outcomes it holds in memory.
  bool wants_checkpoint() const override { return signatures_.size() > (64u << 20); }
  void checkpoint(RunState& state, uint64_t k) override;
  storage::Manifest finish(RunEnding& ending) override;
  // A slice gets no page: `primer merge` writes the dataset's.
  bool writes_report() const override { return false; }

 private:
  std::string task_json(const std::vector<std::string>& signatures) const;

  const Config& config_;
  TaskSlice task_;
  std::string signatures_;  // outcome records since the last checkpoint
  uint64_t signature_records_ = 0;
};

std::string TaskSliceSink::task_json(const std::vector<std::string>& signatures) const {
  base::JsonWriter w(1);
  w.begin_object().field("task", task_.index).field("tasks", task_.count);
  w.field("begin", begin()).field("end", end()).field("count", config_.count);
  w.field("config", fs::absolute(config_.file).lexically_normal().string());
  w.key("signatures").begin_array();
  for (const auto& p : signatures) w.value(p);
  w.end_array().end_object();
  return w.take() + "\n";
}

// A task directory must hold the same slice of the same split: K/N of `count` prompts.
void TaskSliceSink::check() const {
  simdjson::dom::parser parser;
  simdjson::dom::element t;
  uint64_t tasks = 0, b = 0, e = 0;
  if (parser.parse(storage::read_file(dir() / "task.json")).get(t) || t["tasks"].get(tasks) || t["begin"].get(b) ||
      t["end"].get(e))
    throw RunError((dir() / "task.json").string() + " is corrupt; delete " + dir().string() + " and rerun the task");
  if (tasks != task_.count || b != begin() || e != end())
    throw RunError(dir().string() + " holds task " + std::to_string(task_.index) + " of " + std::to_string(tasks) +
                   " tasks; rerun it with --task " + std::to_string(task_.index) + "/" + std::to_string(tasks) +
                   ", or choose another --out");
}

void TaskSliceSink::checkpoint(RunState& state, uint64_t k) {
  if (signature_records_ == 0) return;
  const std::string rel = storage::numbered_name("journal/signatures/piece-", k, ".bin");
  storage::write_file_atomic(dir() / rel, signature_file(signatures_, signature_records_));
  state.signature_pieces.push_back(rel);
  signatures_.clear();
  signature_records_ = 0;
}

// A finished task: candidates-NNNNN-of-NNNNN.jsonl.zst (the records no stateless filter
// dropped, in prompt order), signatures-NNNNN.bin (an outcome per prompt), task.json and,
// last, a manifest of the slice (its shards are the candidates; no filter counts: the
// ordered filters decide at the merge).
storage::Manifest TaskSliceSink::finish(RunEnding& ending) {
  storage::Manifest& m = ending.manifest;
  m.shards = ending.state.totals.shards;
  for (size_t i = 0; i < m.shards.size(); ++i) {
    const std::string final_rel = storage::shard_name("candidates", i, m.shards.size());
    place(m.shards[i].path, final_rel);
    m.shards[i].path = final_rel;
  }
  std::vector<std::string> signatures;
  for (size_t i = 0; i < ending.state.signature_pieces.size(); ++i) {
    signatures.push_back(storage::numbered_name("signatures-", i, ".bin"));
    place(ending.state.signature_pieces[i], signatures.back());
  }
  storage::write_file_atomic(dir() / "task.json", task_json(signatures));
  m.filters.clear();
  m.finished_at = storage::utc_now();
  storage::write_file_atomic(dir() / "manifest.json", m.to_json());  // last: the task is complete
  return m;
}

}  // namespace

std::unique_ptr<RunSink> make_run_sink(const Config& config, const RunOptions& options) {
  if (options.task) return std::make_unique<TaskSliceSink>(config, options);
  return std::make_unique<DatasetSink>(config, options);
}

}  // namespace primer::pipeline
