#include "pipeline/merge.h"

#include <simdjson.h>

#include <charconv>
#include <map>
#include <ranges>
#include <set>
#include <stdexcept>
#include <vector>

#include "base/text.h"
#include "storage/files.h"
#include "storage/manifest.h"
#include "storage/shard.h"

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// One finished task as its files describe it.
struct Task {
  uint32_t index = 0;
  fs::path dir;
  uint64_t begin = 0, end = 0;
  std::vector<fs::path> candidates, signatures;
  storage::Manifest manifest;
};

// task.json: {"task", "tasks", "begin", "end", "count", "config", "signatures": [...]}
struct TaskFile {
  uint64_t task = 0, tasks = 0, begin = 0, end = 0;
  std::string config;
  std::vector<std::string> signatures;
};

TaskFile read_task_file(const fs::path& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element t;
  TaskFile f;
  std::string_view config;
  simdjson::dom::array signatures;
  if (parser.parse(storage::read_file(path)).get(t) || t["task"].get(f.task) || t["tasks"].get(f.tasks) ||
      t["begin"].get(f.begin) || t["end"].get(f.end) || t["config"].get(config) || t["signatures"].get(signatures))
    throw RunError(path.string() + " is corrupt; delete that task's directory and rerun the task");
  f.config = std::string(config);
  for (auto s : signatures) {
    std::string_view p;
    if (s.get(p) || p.find('/') != std::string_view::npos || !storage::is_inner_path(p) || p == ".")
      throw RunError(path.string() + " is corrupt; delete that task's directory and rerun the task");
    f.signatures.emplace_back(p);
  }
  return f;
}

// Where an unfinished task stands, for the message: "at prompt 1,234 of 1,000..1,999".
std::string task_position(const fs::path& dir, const TaskFile& f) {
  simdjson::dom::parser parser;
  simdjson::dom::element s;
  uint64_t next = 0;
  std::string state;
  try {
    state = storage::read_file(dir / "journal" / "state.json");
  } catch (const storage::StorageError&) {
    return "has no journal yet";
  }
  if (parser.parse(state).get(s) || s["next_index"].get(next)) return "has an unreadable journal";
  return "resumes at prompt " + base::with_commas(next) + " of " + base::with_commas(f.begin) + ".." +
         base::with_commas(f.end == 0 ? 0 : f.end - 1);
}

std::string list(const std::vector<uint32_t>& tasks) {
  std::string s;
  for (size_t i = 0; i < tasks.size(); ++i) s += (i ? ", " : "") + std::to_string(tasks[i]);
  return s;
}

// The outcomes of tasks 0..N-1 in prompt order, each candidate with its record.
class TaskOutcomes final : public OutcomeSource {
 public:
  explicit TaskOutcomes(std::vector<Task> tasks) : tasks_(std::move(tasks)) {}

  void replay(uint64_t from, const std::function<bool(const PromptOutcome&, std::string_view)>& fn) override {
    struct Stop {};
    try {
      for (const Task& t : tasks_)
        if (t.end > from) replay_task(t, from, fn, [] { throw Stop{}; });
    } catch (const Stop&) {
    }
  }

  double seconds() const override {
    double s = 0;
    for (const auto& t : tasks_) s += t.manifest.seconds;
    return s;
  }
  std::string started_at() const override {
    std::string first;
    for (const auto& t : tasks_)
      if (first.empty() || t.manifest.started_at < first) first = t.manifest.started_at;
    return first;
  }

 private:
  template <typename StopFn>
  void replay_task(const Task& t, uint64_t from, const std::function<bool(const PromptOutcome&, std::string_view)>& fn,
                   StopFn stop) {
    const std::string where = "task " + std::to_string(t.index) + " (" + t.dir.string() + ")";
    std::vector<PromptOutcome> piece;
    size_t next_piece = 0, pos = 0;
    auto next_outcome = [&]() -> const PromptOutcome* {
      while (pos == piece.size()) {
        if (next_piece == t.signatures.size()) return nullptr;
        try {
          piece = read_signature_file(t.signatures[next_piece++], reasons_);
        } catch (const std::runtime_error& e) {
          throw RunError(e.what());
        }
        pos = 0;
      }
      return &piece[pos++];
    };
    uint64_t expect = t.begin;
    auto emit = [&](const PromptOutcome& o, std::string_view line) {
      if (o.index != expect)
        throw RunError(where + " has the outcome of prompt " + std::to_string(o.index) + " where " +
                       std::to_string(expect) + " belongs; delete the task's directory and rerun it");
      ++expect;
      if (o.index >= from && !fn(o, line)) stop();
    };
    for (const fs::path& shard : t.candidates) {
      storage::read_lines(shard, [&](std::string_view line) {
        for (;;) {
          const PromptOutcome* o = next_outcome();
          if (!o) throw RunError(where + " has more candidate records than outcomes; delete it and rerun it");
          emit(*o, o->candidate() ? line : std::string_view());
          if (o->candidate()) return;
        }
      });
    }
    while (const PromptOutcome* o = next_outcome()) {
      if (o->candidate()) throw RunError(where + " lacks the record of candidate prompt " + std::to_string(o->index));
      emit(*o, {});
    }
    if (expect != t.end)
      throw RunError(where + " has outcomes up to prompt " + std::to_string(expect) + ", its slice ends at " +
                     std::to_string(t.end) + "; delete the task's directory and rerun it");
  }

  std::vector<Task> tasks_;
  std::set<std::string> reasons_;  // interned drop reasons (the outcomes point into it)
};

}  // namespace

TaskSlice parse_task(std::string_view text) {
  const size_t slash = text.find('/');
  const auto k = parse_number(text.substr(0, slash));
  const auto n = slash == std::string_view::npos ? std::nullopt : parse_number(text.substr(slash + 1));
  if (!k || !n) throw std::invalid_argument("--task must be K/N, e.g. 0/8 (task K of N, counted from 0)");
  if (*n < 1 || *n > 100000)
    throw std::invalid_argument("--task " + std::string(text) + ": N must be between 1 and 100000");
  if (*k >= *n) throw std::invalid_argument("--task " + std::string(text) + ": K must be below N (tasks count from 0)");
  return TaskSlice{static_cast<uint32_t>(*k), static_cast<uint32_t>(*n)};
}

std::optional<TaskSlice> task_from_environment(const std::function<const char*(const char*)>& getenv,
                                               uint32_t config_tasks) {
  auto number = [&](const char* name, std::optional<uint64_t> fallback) -> std::optional<uint64_t> {
    const char* v = getenv(name);
    if (!v) return fallback;
    const auto n = parse_number(v);
    if (!n) throw std::invalid_argument(std::string(name) + "=" + v + " is not a number");
    return n;
  };
  TaskSlice t;
  std::string source;
  if (const auto id = number("SLURM_ARRAY_TASK_ID", std::nullopt)) {
    const auto count = number("SLURM_ARRAY_TASK_COUNT", std::nullopt);
    if (!count || *count == 0)
      throw std::invalid_argument("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --task K/N");
    const uint64_t min = *number("SLURM_ARRAY_TASK_MIN", 0), step = *number("SLURM_ARRAY_TASK_STEP", 1);
    if (step == 0 || *id < min || (*id - min) % step != 0 || (*id - min) / step >= *count)
      throw std::invalid_argument("SLURM_ARRAY_TASK_ID=" + std::to_string(*id) + " is not one of " +
                                  std::to_string(*count) + " tasks from " + std::to_string(min) + " in steps of " +
                                  std::to_string(step) + "; give --task K/N");
    t = TaskSlice{static_cast<uint32_t>((*id - min) / step), static_cast<uint32_t>(*count)};
    source = "the Slurm array (SLURM_ARRAY_TASK_COUNT)";
  } else if (const auto index = number("JOB_COMPLETION_INDEX", std::nullopt)) {
    if (config_tasks == 0)
      throw std::invalid_argument(
          "JOB_COMPLETION_INDEX is set but the config has no `tasks = N`: set it to the Job's "
          "completions, or give --task K/N");
    if (*index >= config_tasks)
      throw std::invalid_argument("JOB_COMPLETION_INDEX=" + std::to_string(*index) +
                                  " is not below the config's tasks = " + std::to_string(config_tasks));
    return TaskSlice{static_cast<uint32_t>(*index), config_tasks};
  } else {
    return std::nullopt;
  }
  if (t.count > 100000) throw std::invalid_argument("SLURM_ARRAY_TASK_COUNT must be at most 100000");
  if (config_tasks != 0 && config_tasks != t.count)
    throw std::invalid_argument(source + " has " + std::to_string(t.count) +
                                " tasks, the config's tasks = " + std::to_string(config_tasks));
  return t;
}

RunReport merge(const MergeOptions& options) {
  const fs::path out = options.out;
  const fs::path tasks_dir = out / "tasks";
  if (fs::exists(out / "manifest.json") && !fs::exists(tasks_dir)) {
    RunReport r;
    r.already_complete = true;
    r.manifest = storage::Manifest::load(out / "manifest.json");
    return r;
  }
  if (!fs::is_directory(tasks_dir))
    throw RunError(out.string() + " holds no tasks/: run `primer run CONFIG --task K/N --out " + out.string() +
                   "` for every task K first");
  // Every task.json there, by task number.
  std::map<uint32_t, TaskFile> files;
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(tasks_dir)) {
    const auto k = parse_number(e.path().filename().string());
    if (!k || !fs::exists(e.path() / "task.json")) continue;
    TaskFile f = read_task_file(e.path() / "task.json");
    if (f.task != *k) throw RunError((e.path() / "task.json").string() + " names task " + std::to_string(f.task));
    if (n != 0 && f.tasks != n)
      throw RunError(tasks_dir.string() + " mixes splits into " + std::to_string(n) + " and " +
                     std::to_string(f.tasks) + " tasks (" + e.path().string() + "); merge one split");
    n = f.tasks;
    files.emplace(static_cast<uint32_t>(*k), std::move(f));
  }
  if (files.empty()) throw RunError(tasks_dir.string() + " holds no task (no tasks/K/task.json): run the tasks first");
  const fs::path config_path = !options.config.empty() ? options.config : fs::path(files.begin()->second.config);
  if (!fs::exists(config_path))
    throw ConfigError("the tasks ran " + config_path.string() + ", which is gone; give the config with --config");
  const Config config = load_config(config_path);
  const std::vector<storage::InputFile> inputs = hash_inputs(config);

  std::vector<uint32_t> missing, incomplete;
  std::string positions;
  std::vector<Task> tasks;
  for (uint32_t k = 0; k < n; ++k) {
    auto it = files.find(k);
    const fs::path dir = tasks_dir / std::to_string(k);
    if (it == files.end()) {
      missing.push_back(k);
      continue;
    }
    const TaskFile& f = it->second;
    if (!fs::exists(dir / "manifest.json")) {
      incomplete.push_back(k);
      positions += (positions.empty() ? "" : "; ") + ("task " + std::to_string(k) + " ") + task_position(dir, f);
      continue;
    }
    Task t;
    t.index = k;
    t.dir = dir;
    t.manifest = storage::Manifest::load(dir / "manifest.json");
    if (t.manifest.config_hash != config.hash)
      throw RunError("task " + std::to_string(k) + " ran another config than " + config_path.string() + " (hash " +
                     t.manifest.config_hash.substr(0, 12) + ", this config " + config.hash.substr(0, 12) +
                     "); merge with the config the tasks ran (--config)");
    if (const std::string changed = changed_input(t.manifest.inputs, inputs); !changed.empty())
      throw RunError("task " + std::to_string(k) + " was made from other inputs: " + changed +
                     " since the task ran; merge with the files the tasks read");
    const TaskSlice slice{k, static_cast<uint32_t>(n)};
    t.begin = slice.begin(config.count);
    t.end = slice.end(config.count);
    if (f.begin != t.begin || f.end != t.end)
      throw RunError("task " + std::to_string(k) + " ran prompts " + std::to_string(f.begin) + ".." +
                     std::to_string(f.end) + ", not its slice of this config's count " + std::to_string(config.count));
    for (const auto& s : t.manifest.shards) t.candidates.push_back(dir / s.path);
    for (const auto& s : f.signatures) t.signatures.push_back(dir / s);
    tasks.push_back(std::move(t));
  }
  for (const auto& [k, file] : files)  // (not std::views::keys: clang 14 cannot build it with libstdc++ 12)
    if (k >= n) throw RunError("task " + std::to_string(k) + " is not one of the " + std::to_string(n) + " tasks");
  if (!missing.empty() || !incomplete.empty()) {
    std::string msg = "cannot merge " + out.string() + " (" + std::to_string(n) + " tasks):";
    if (!missing.empty())
      msg += std::string(missing.size() == 1 ? " task " : " tasks ") + list(missing) +
             (missing.size() == 1 ? " is" : " are") + " missing (no tasks/K/task.json: never started)";
    if (!incomplete.empty())
      msg += std::string(missing.empty() ? "" : ";") + (incomplete.size() == 1 ? " task " : " tasks ") +
             list(incomplete) + (incomplete.size() == 1 ? " is" : " are") +
             " incomplete (no manifest.json: still running, or stopped — rerun to resume; " + positions + ")";
    throw RunError(msg);
  }

  TaskOutcomes source(std::move(tasks));
  RunOptions run_options;
  run_options.out = out;
  run_options.progress = options.progress;
  run_options.replay = &source;
  return run(config, run_options);
}

}  // namespace primer::pipeline
