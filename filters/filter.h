// primer::filters — what a synthetic set throws away, and why.
//
// A Filter looks at one Doc and keeps it or drops it with a short reason ("oov_rate",
// "too_short", ...). Bad documents are dropped with a reason, never thrown.
//
// Two kinds:
//   - Filter: the verdict depends on the document alone. check() is const and
//     thread-safe; the pipeline calls it from many threads.
//   - A Filter may also rewrite the document (rewrites() true): the regex filter's scrub
//     rules replace PII in place. rewrite() runs in the parallel half like check(), on
//     the pipeline's own copy of the Doc, and later filters see the rewritten text.
//   - OrderedFilter: the verdict depends on the documents before it (deduplication).
//     key() runs in parallel; admit() runs serially in prompt order, so a run's output
//     never depends on the thread count. Its state can be saved at checkpoints.
//
// FilterChain is the one chain runner of `primer run`, `primer merge`, `primer filter`
// and the benchmarks: it applies a list of filters in order (the first drop wins),
// counts, per filter, documents seen, kept and dropped per reason, says which filter
// dropped a document, hands dropped documents to a reject sink (the caller writes them),
// saves and restores the ordered filters' state, and calls every filter's end-of-run
// hook (write_outputs).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/doc.h"
#include "vocab/vocabulary.h"

namespace primer::filters {

using base::Doc;

struct Verdict {
  std::string_view reason;  // empty: keep; otherwise a string literal naming the drop reason
  bool keep() const { return reason.empty(); }
  static Verdict Keep() { return {}; }
  static Verdict Drop(std::string_view why) { return {why}; }
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // Every drop reason this filter can give, for reports that list zeros too.
  virtual std::vector<std::string_view> reasons() const = 0;
  // Thread-safe verdict on one document (stateless filters only).
  virtual Verdict check(const Doc& doc) const = 0;
  virtual bool ordered() const { return false; }
  // Filters that may change the text (scrubbing) say so; rewrite() is then called instead
  // of check() when the chain has a mutable Doc. Thread-safe like check().
  virtual bool rewrites() const { return false; }
  virtual Verdict rewrite(Doc& doc) const { return check(doc); }
  // A sentence the dataset must carry about how this filter ran (manifest "caveats", the
  // dataset card and the report), e.g. that exercises ran without isolation. Empty: none.
  virtual std::string caveat() const { return {}; }
  // Writes the files this filter reports about the documents decided so far into
  // FilterContext::out_dir (decontaminate: decontamination.json), atomically. Called by
  // FilterChain::write_outputs: at every checkpoint of a run and at the end of `primer
  // filter`. A filter with nothing to report does nothing.
  virtual void write_outputs() {}
};

// Thrown by check()/rewrite() when the filter's own machinery fails (a helper process
// that cannot start or keeps dying): a run error, never a verdict on the document.
class FilterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by check()/rewrite() when FilterContext::cancel turned true mid-document: the
// document has no verdict and must not be committed.
class FilterCancelled : public std::runtime_error {
 public:
  FilterCancelled() : std::runtime_error("cancelled") {}
};

// The key an OrderedFilter computes for a document in parallel (a hash, a signature).
struct FilterKey {
  uint64_t hash[2] = {0, 0};
  std::vector<uint64_t> extra;
};

class OrderedFilter : public Filter {
 public:
  bool ordered() const final { return true; }
  Verdict check(const Doc&) const final { return Verdict::Keep(); }
  // Thread-safe: the per-document part of the work.
  virtual FilterKey key(const Doc& doc) const = 0;
  // Serial, in prompt order: decides with the state of all documents admitted before.
  virtual Verdict admit(const FilterKey& key) = 0;
  // Checkpoints: the state added since the last call, as bytes, and the inverse that
  // applies such deltas (in the same order) to a fresh filter. No other effect (reports:
  // write_outputs).
  virtual std::string take_state_delta() = 0;
  virtual void restore_state_delta(std::string_view delta) = 0;
};

// Reads a filter's settings from the run config. Implemented by the pipeline over
// TOML; keys a filter never asks for are reported as unknown.
class FilterSettings {
 public:
  virtual ~FilterSettings() = default;
  virtual std::optional<double> number(std::string_view key) = 0;
  virtual std::optional<int64_t> integer(std::string_view key) = 0;
  virtual std::optional<bool> boolean(std::string_view key) = 0;
  virtual std::optional<std::string> string(std::string_view key) = 0;
  // A string or an array of strings (a single string gives a list of one).
  virtual std::optional<std::vector<std::string>> strings(std::string_view key) {
    if (auto s = string(key)) return std::vector<std::string>{*s};
    return std::nullopt;
  }
  // Throws an error naming the key, the file and the line.
  [[noreturn]] virtual void invalid(std::string_view key, const std::string& message) = 0;
  // A share in [0, 1] (rates, fractions); anything else is invalid():
  // "must be between 0 and 1" followed by `note`.
  std::optional<double> share(std::string_view key, std::string_view note = {}) {
    const auto v = number(key);
    if (v && (*v < 0 || *v > 1)) invalid(key, "must be between 0 and 1" + std::string(note));
    return v;
  }
};

// What filters may depend on besides their settings.
struct FilterContext {
  const vocab::Vocabulary* vocab = nullptr;
  // Finds a file a filter setting names (rules, evaluation sets): the pipeline looks in
  // the working directory, next to the config and in the source tree, and throws an
  // error naming the key. Unset: the path as given, then the source tree.
  std::function<std::filesystem::path(const std::filesystem::path& path, std::string_view key)> resolve_path;
  // The output directory of the run (empty in tests and config checks): where filters
  // with a report (decontaminate) write it at every checkpoint.
  std::filesystem::path out_dir;
  // Set by the pipeline to its stop flag (Ctrl-C): filters that run long work per
  // document (exercise_tests) poll it and throw FilterCancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Set when the filters are made only to check a config's settings: no helper process is
  // started and no probe run (the sandbox's, the syntax checker's).
  bool check_only = false;
  // False when the caller never checkpoints (`primer filter`): ordered filters then keep
  // no state delta, and take_state_delta() returns an empty one.
  bool journal = true;
};

// Resolves a filter's file setting with context.resolve_path, or without one: the path
// as given, then PRIMER_DATA_DIR/path. Throws std::invalid_argument if there is none.
std::filesystem::path resolve_filter_path(const FilterContext& context, const std::filesystem::path& path,
                                          std::string_view key);

struct FilterCounts {
  std::string name;
  uint64_t seen = 0, kept = 0;
  std::vector<std::pair<std::string_view, uint64_t>> dropped;  // every reason, zeros included
};

// The result of the parallel half of the chain for one document.
struct Prepared {
  int dropped_at = -1;          // index of the stateless filter that dropped it, or -1
  std::string_view reason;      // its reason
  std::vector<FilterKey> keys;  // one per ordered filter before dropped_at, in order
};

// The chain's verdict on one document and, for a drop, the filter that gave it.
struct Decision : Verdict {
  int filter = -1;      // its index in the chain; -1 when kept
  std::string_view by;  // its name; empty when kept
};

// Where FilterChain::decide hands each dropped document, in order: the decision, and the
// record and text the caller passed to decide (the pipeline writes rejected records with
// them; filters/ knows no record format).
using RejectSink = std::function<void(const Decision& decision, std::string_view record, std::string_view text)>;

class FilterChain {
 public:
  explicit FilterChain(std::vector<std::unique_ptr<Filter>> filters);
  // Dropped documents go to `sink` from now on (an empty one: nowhere).
  void set_reject_sink(RejectSink sink) { reject_sink_ = std::move(sink); }

  // Parallel half (thread-safe): stateless verdicts up to the first drop, keys for the
  // ordered filters before it. The overload with a mutable Doc lets rewriting filters
  // (regex scrub rules) change its text; the const one applies them to a copy.
  // True if some filter may change the text (Filter::rewrites).
  bool rewrites() const;
  Prepared prepare(Doc& doc) const;
  Prepared prepare(const Doc& doc) const;
  // Serial half, in prompt order: applies ordered filters and the stateless verdict in
  // chain order and counts. Returns the final verdict and who gave it; a dropped
  // document goes to the reject sink with `record` and `text` (the caller's, passed on).
  Decision decide(const Prepared& prepared, std::string_view record = {}, std::string_view text = {});

  // Checkpoints of the ordered filters (dedup state): save_state hands each one's state
  // added since the last call to `write` with its index in the chain; restore_state
  // applies such a delta (in the same order) to filter `i` of a fresh chain.
  void save_state(const std::function<void(size_t i, const std::string& delta)>& write);
  void restore_state(size_t i, std::string_view delta);
  // The end-of-run hook: every filter's write_outputs() (reports such as
  // decontamination.json), in chain order. A run calls it at every checkpoint.
  void write_outputs();

  const std::vector<FilterCounts>& counts() const { return counts_; }
  // Restores the counters saved at a checkpoint (same filters, same order).
  void set_counts(const std::vector<FilterCounts>& counts);
  size_t size() const { return filters_.size(); }
  // Every filter's caveat() that is not empty, in chain order.
  std::vector<std::string> caveats() const;
  Filter& filter(size_t i) { return *filters_[i]; }

 private:
  std::vector<std::unique_ptr<Filter>> filters_;
  std::vector<FilterCounts> counts_;
  RejectSink reject_sink_;
};

// Registry of filter kinds: make_filter("vocab", settings, context).
// Throws std::invalid_argument for an unknown kind (listing the known ones).
std::unique_ptr<Filter> make_filter(std::string_view kind, FilterSettings& settings, const FilterContext& context);
std::vector<std::string_view> filter_kinds();

}  // namespace primer::filters
