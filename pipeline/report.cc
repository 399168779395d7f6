#include "pipeline/report.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>

#include "base/text.h"
#include "pipeline/report_page.h"
#include "pipeline/report_scan.h"
#include "pipeline/report_training.h"
#include "storage/files.h"
#include "storage/inspect.h"
#include "storage/layout.h"
#include "storage/manifest.h"
#include "vocab/vocabulary.h"

#ifndef PRIMER_DATA_DIR
#define PRIMER_DATA_DIR "."
#endif

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

using report::BottomK;
using report::DatasetScan;
using report::shard_files_in;
using report::ShardToRead;

// ---------------------------------------------------------------------------------------

class Builder {
 public:
  Builder(const fs::path& dir, const ReportOptions& o, ReportSummary& summary) : dir_(dir), o_(o), summary_(summary) {
    scan_.kept = BottomK(o.sample_rows);
    scan_.rejected = BottomK(o.sample_rows);
  }

  std::string build();

 private:
  void problem(const std::string& p) {
    if (seen_problems_.insert(p).second) summary_.problems.push_back(p);
  }
  // problem(), for the scan and the sections to report to.
  std::function<void(const std::string&)> problem_sink() {
    return [this](const std::string& p) { problem(p); };
  }

  // Dataset half.
  void load_dataset();
  void load_vocabulary();
  void scan_records();

  fs::path dir_;
  ReportOptions o_;
  ReportSummary& summary_;
  std::set<std::string> seen_problems_;
  std::vector<std::string> notes_;  // caveats shown beside the figures

  bool is_dataset_ = false;
  std::optional<storage::Manifest> manifest_;
  bool manifest_from_journal_ = false;
  std::optional<storage::InspectReport> inspect_;
  bool verify_in_scan_ = false;  // inspect verified all but the listed shards' contents: the scan reads them whole
  std::vector<ShardToRead> shards_;
  std::optional<vocab::Vocabulary> vocab_;
  std::string vocab_name_;
  DatasetScan scan_;

  std::optional<report::TrainingRun> training_;
};

void Builder::load_dataset() {
  const bool has_manifest = fs::exists(dir_ / "manifest.json");
  const bool has_data = fs::is_directory(dir_ / storage::kDataDir) || !shard_files_in(dir_).empty();
  const bool has_journal = fs::exists(dir_ / "journal/state.json");
  is_dataset_ = has_manifest || has_data || has_journal || fs::is_directory(dir_ / "rejected");
  if (!is_dataset_) return;
  if (has_manifest || has_data) {
    storage::InspectOptions io;
    io.verify = o_.verify && has_manifest;
    io.read_shards = false;  // the scan reads them anyway: their sha256 and records are checked there
    io.samples = 0;
    try {
      inspect_ = storage::inspect(dir_, io);
      verify_in_scan_ = io.verify && inspect_->manifest.has_value();
      for (const auto& p : inspect_->problems) problem(p);
      if (inspect_->manifest) manifest_ = inspect_->manifest;
    } catch (const storage::StorageError& e) {
      problem(std::string("data/: ") + e.what());
    }
  }
  if (!has_manifest) {
    if (has_journal) {
      // An unfinished run: its last checkpoint holds the counts so far.
      try {
        const std::string state = storage::read_file(dir_ / "journal/state.json");
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        if (!parser.parse(state).get(root)) {
          simdjson::dom::element totals;
          if (!root["totals"].get(totals)) {
            manifest_ = storage::Manifest::parse(simdjson::minify(totals), "journal/state.json");
            manifest_from_journal_ = true;
          }
        }
      } catch (const std::exception& e) {
        problem(std::string("journal/state.json: ") + e.what());
      }
      problem(
          "manifest.json: missing — the run is unfinished (journal/ holds its last checkpoint; rerun `primer run` "
          "to resume it). Counts below are those of the last checkpoint.");
    } else {
      problem(
          "manifest.json: missing — no funnel, cost or shard checksums to show; figures come from the shard files "
          "found in data/");
    }
  }
  if (manifest_) notes_.insert(notes_.end(), manifest_->caveats.begin(), manifest_->caveats.end());
  if (manifest_ && !manifest_from_journal_) {
    for (const auto& s : manifest_->shards) shards_.push_back({s.path, s.split});
  } else {
    const fs::path data = fs::is_directory(dir_ / storage::kDataDir) ? dir_ / storage::kDataDir : dir_;
    for (const auto& f : shard_files_in(data))
      shards_.push_back({fs::relative(f, dir_).string(), storage::split_of(f)});
    if (manifest_from_journal_)  // the checkpointed train shards (journal/shards/)
      for (const auto& s : manifest_->shards) {
        const bool listed =
            std::any_of(shards_.begin(), shards_.end(), [&](const ShardToRead& r) { return r.path == s.path; });
        if (!listed && fs::exists(dir_ / s.path)) shards_.push_back({s.path, s.split});
      }
  }
  if (shards_.empty() && !has_journal) problem("data/: no shards (.jsonl.zst or .jsonl) found");
}

void Builder::load_vocabulary() {
  fs::path list = o_.vocab_list;
  std::string shown = list.string();  // as the user or the config wrote it
  if (list.empty() && manifest_ && !manifest_->config_json.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view s;
    if (!parser.parse(manifest_->config_json).get(root) && !root["vocab"]["list"].get_string().get(s)) {
      // Where a config path is looked up (the config file itself is not known here).
      const fs::path p(s);
      for (const fs::path& c : {p, dir_ / p, fs::path(PRIMER_DATA_DIR) / p})
        if (fs::exists(c) && (!p.is_absolute() || c == p)) {
          list = c;
          shown = std::string(s);
          break;
        }
      if (list.empty())
        notes_.push_back(fmt::format(
            "the run's vocabulary {} was not found; OOV figures use the bundled vocab/default.txt", std::string(s)));
    }
  }
  if (list.empty()) {
    list = fs::path(PRIMER_DATA_DIR) / "vocab/default.txt";
    shown = "vocab/default.txt";
  }
  try {
    vocab_ = vocab::Vocabulary::load(list);
    vocab_name_ = shown;
  } catch (const vocab::VocabError& e) {
    problem(std::string("vocabulary: ") + e.what() + " (no OOV figures)");
  }
}

void Builder::scan_records() {
  if (shards_.empty()) return;
  if (manifest_ && !manifest_->config_json.empty()) {  // a recipe's cover slots, for the coverage figure
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array cover;
    if (!parser.parse(manifest_->config_json).get(root) && !root["prompts"]["cover"].get_array().get(cover))
      for (auto c : cover) {
        std::string_view name;
        if (!c.get_string().get(name)) scan_.cover.emplace_back(name);
      }
  }
  // Verifying, what the scan finds wrong with a listed shard is a verify problem too (the
  // manifest section's status), in inspect's words.
  const auto sink = [this](const std::string& p) {
    problem(p);
    if (!verify_in_scan_) return;  // (then there may be no inspect report at all)
    auto& listed = inspect_->problems;
    if (std::find(listed.begin(), listed.end(), p) == listed.end()) listed.push_back(p);
  };
  const report::ShardsRead read = report::scan_shards(dir_, shards_, o_, vocab_, scan_, sink, verify_in_scan_);
  for (const auto& v : read.whole) {
    const auto it = std::find_if(manifest_->shards.begin(), manifest_->shards.end(),
                                 [&](const storage::ShardInfo& s) { return s.path == v.path; });
    if (!v.read || it == manifest_->shards.end()) continue;  // unreadable: the scan said so
    const std::optional<uint64_t> records = v.malformed ? std::nullopt : std::optional<uint64_t>(v.records);
    for (const auto& p : storage::check_shard(*it, v.sha256, records)) sink(v.path + ": " + p);
  }
  // The records there are: the manifest's count, else what inspect counted reading the
  // loose shards whole, else at least what this scan saw.
  uint64_t total = read.in_shards;
  if (manifest_ && !manifest_from_journal_) {
    total = manifest_->kept;
  } else if (inspect_ && !inspect_->manifest && !manifest_from_journal_) {
    total = 0;
    for (const auto& sh : inspect_->shards) total += sh.records;
  }
  if (scan_.records < total)
    notes_.push_back(fmt::format("distributions and samples come from {} of {} records (the first {} of each shard)",
                                 base::with_commas(scan_.records), base::with_commas(total),
                                 base::with_commas(read.per_shard)));
}

// ---------------------------------------------------------------------------------------

std::string Builder::build() {
  load_dataset();
  if (is_dataset_) {
    load_vocabulary();
    scan_records();
    report::scan_rejected(dir_, o_, scan_, problem_sink());
  }
  training_ = report::load_training(dir_, problem_sink());
  summary_.kind = is_dataset_ && training_ ? "dataset+training"
                  : is_dataset_            ? "dataset"
                  : training_              ? "training"
                                           : "unknown";
  if (!is_dataset_ && !training_)
    problem(dir_.string() +
            ": nothing to report: no manifest.json, no data/ shards, no journal/, no metrics.jsonl, "
            "no eval.json and no checkpoints");

  // Sections first (they may add problems), then the page around them.
  std::string body;
  if (is_dataset_) {
    body += report::funnel_section(manifest_, manifest_from_journal_);
    body += report::distributions_section(scan_, vocab_, vocab_name_);
    body += report::oov_section(scan_, vocab_, o_.top_oov);
    body += report::samples_section(scan_);
    body += report::manifest_section(inspect_, manifest_, manifest_from_journal_);
  }
  if (training_) body += report::training_section(*training_, problem_sink());
  return report::assemble_page(dir_, summary_, notes_, body);
}

}  // namespace

std::string render_report(const fs::path& dir, const ReportOptions& options, ReportSummary& summary) {
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + " is not a directory");
  summary = ReportSummary{};
  std::string page = Builder(dir, options, summary).build();
  summary.bytes = page.size();
  return page;
}

ReportSummary write_report(const fs::path& dir, const fs::path& out, const ReportOptions& options) {
  ReportSummary summary;
  const std::string page = render_report(dir, options, summary);
  storage::write_file_atomic(out, page);
  return summary;
}

bool write_report_at_end(const fs::path& dir, bool verify, bool announce) {
  try {
    ReportOptions options;
    options.verify = verify;
    const ReportSummary s = write_report(dir, dir / "report.html", options);
    if (announce)
      std::fprintf(stderr, "primer: report %s%s\n", (dir / "report.html").c_str(),
                   s.problems.empty() ? "" : fmt::format(" ({} problems listed on it)", s.problems.size()).c_str());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "primer: warning: no report.html: %s\n", e.what());
    return false;
  }
}

}  // namespace primer::pipeline
