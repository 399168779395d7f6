// Internal to `primer report` (pipeline/report.cc): the bounded scan of a dataset's
// records, the figures the Distributions, OOV and Samples sections show. The shards are
// read in parallel pieces merged in line order, so the figures are those of one scan in
// order; the sample rows are a bottom-k sample, independent of the order of reading.
//
// Thread-compatible: a DatasetScan belongs to one caller.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/text.h"
#include "pipeline/report.h"
#include "vocab/vocabulary.h"

namespace primer::pipeline::report {

constexpr size_t kMaxWord = 60;  // bytes of an out-of-vocabulary word shown (a word can be any length)

struct OovWord {
  uint64_t count = 0;                 // occurrences
  uint64_t docs = 0;                  // documents with it
  std::vector<std::string> examples;  // HTML: "…before <mark>word</mark> after…"
};

struct SampleRow {
  uint64_t key = 0;  // bottom-k sampling key: the rows with the smallest keys are shown
  std::string html;  // the <tr>
  // Equal keys (the same text on the same line of two shards) are ordered by the row, so
  // that the sample is the same whatever order the rows arrive in.
  bool operator<(const SampleRow& o) const { return key != o.key ? key < o.key : html < o.html; }
};

// Keeps the `k` smallest rows (by key, then row): a uniform sample that does not depend
// on the order the records were read in.
class BottomK {
 public:
  explicit BottomK(size_t k) : k_(k) {}
  bool wants(uint64_t key) const { return k_ > 0 && (heap_.size() < k_ || key <= heap_.top().key); }
  // Keys above this are not wanted (the largest key kept once there are k).
  uint64_t bar() const { return k_ > 0 && heap_.size() >= k_ ? heap_.top().key : ~uint64_t(0); }
  void add(SampleRow row) {
    if (!wants(row.key) || (heap_.size() >= k_ && !(row < heap_.top()))) return;
    heap_.push(std::move(row));
    if (heap_.size() > k_) heap_.pop();
  }
  std::vector<SampleRow> take() {
    std::vector<SampleRow> out;
    while (!heap_.empty()) out.push_back(heap_.top()), heap_.pop();
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  size_t k_;
  std::priority_queue<SampleRow> heap_;  // largest key on top
};

struct DatasetScan {
  uint64_t records = 0;  // read for the figures below
  uint64_t malformed = 0;
  std::vector<uint32_t> words;  // story length (word tokens) per record read
  std::vector<float> oov_rates;
  uint64_t tokens = 0, oov_tokens = 0, docs_with_oov = 0;
  std::map<std::string, uint64_t> splits;
  // Features requested ("features" arrays).
  uint64_t with_features_field = 0, with_no_features = 0;
  std::map<std::string, uint64_t> features;
  // Required words ("words": [verb, noun, adjective]).
  uint64_t with_words = 0, words_in_vocab = 0, all_found = 0;
  uint64_t found[3] = {0, 0, 0};
  // Distinct words drawn (only their number is shown): hashed, a lookup per record each.
  std::unordered_set<std::string, base::StringHash, std::equal_to<>> distinct[3];
  // Code sets: "topic", "audience", "style".
  uint64_t with_topic = 0, with_audience = 0, with_style = 0;
  std::map<std::string, uint64_t> topics, audiences, styles;
  std::map<std::pair<std::string, std::string>, uint64_t> topic_audience;
  // Recipes: "slots" values per slot (in first-seen slot order), and the combinations of
  // the cover slots (the run config's prompts.cover, set before the scan) joined by '\x1f'.
  uint64_t with_slots = 0;
  std::vector<std::string> slot_names;
  std::map<std::string, std::map<std::string, uint64_t>> slot_values;
  std::vector<std::string> cover;
  std::map<std::string, uint64_t> cover_combos;
  std::map<std::string, OovWord> oov;
  BottomK kept{0};
  uint64_t kept_bar = ~uint64_t(0);  // a partial scan: `kept` rows of the scans before it are all at or below this
  // Rejected documents (rejected/).
  uint64_t rejected_records = 0, rejected_files = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> rejected_reasons;
  BottomK rejected{0};
};

// The shard files (.jsonl.zst or .jsonl, not metrics.jsonl) directly in `dir`, sorted.
std::vector<std::filesystem::path> shard_files_in(const std::filesystem::path& dir);

// A shard to scan: its path relative to the dataset directory and its split.
struct ShardToRead {
  std::string path, split;
};

// A shard read to its end by scan_shards(whole = true): what verifying it needs
// (storage::check_shard).
struct ShardVerified {
  std::string path;    // as given
  bool read = false;   // read to its end without an error
  std::string sha256;  // of its bytes, when read
  uint64_t records = 0, malformed = 0;
};

// What scan_shards read.
struct ShardsRead {
  uint64_t per_shard = 0;            // records read at most from each shard
  uint64_t in_shards = 0;            // records the shards hold: at least those read
  std::vector<ShardVerified> whole;  // whole = true: each shard that exists, in order
};

// Reads the first records of each shard of `dir` (options.scan_records in all, spread
// evenly) into `scan`, whose `kept` is a BottomK of options.sample_rows. `vocab`: the
// vocabulary for the OOV figures (none: no OOV figures). A missing or unreadable shard
// and malformed lines are reported to `problem`. whole: every shard is read to its end
// (the records after the first ones parsed and counted, not scored) and hashed as it is
// read, for the report's verify in the same pass.
ShardsRead scan_shards(const std::filesystem::path& dir, const std::vector<ShardToRead>& shards,
                       const ReportOptions& options, const std::optional<vocab::Vocabulary>& vocab, DatasetScan& scan,
                       const std::function<void(const std::string&)>& problem, bool whole = false);

// Reads the records of `dir`/rejected/ (at most options.scan_records, spread over the
// files) into the rejected half of `scan`: counts by filter and reason, and sample rows.
void scan_rejected(const std::filesystem::path& dir, const ReportOptions& options, DatasetScan& scan,
                   const std::function<void(const std::string&)>& problem);

}  // namespace primer::pipeline::report
