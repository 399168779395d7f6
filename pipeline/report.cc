#include "pipeline/report.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>

#include "base/svg.h"
#include "base/text.h"
#include "pipeline/report_page.h"
#include "pipeline/report_scan.h"
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

using base::cut_utf8;
namespace report_svg = base::svg;
using report_svg::esc;
using report_svg::number;
using report::BottomK;
using report::DatasetScan;
using report::card;
using report::kHalf;
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

  // Dataset half.
  void load_dataset();
  void load_vocabulary();
  void scan_records();

  // Training half.
  void load_training();
  std::string training_section();

  fs::path dir_;
  ReportOptions o_;
  ReportSummary& summary_;
  std::set<std::string> seen_problems_;
  std::vector<std::string> notes_;  // caveats shown beside the figures

  bool is_dataset_ = false, is_training_ = false;
  std::optional<storage::Manifest> manifest_;
  bool manifest_from_journal_ = false;
  std::optional<storage::InspectReport> inspect_;
  std::vector<ShardToRead> shards_;
  std::optional<vocab::Vocabulary> vocab_;
  std::string vocab_name_;
  DatasetScan scan_;

  struct MetricRow {
    double step = NAN, loss = NAN, lr = NAN, tokens_per_s = NAN, val_loss = NAN, gflops = NAN;
  };
  std::vector<MetricRow> metrics_;
  uint64_t metrics_malformed_ = 0;
  struct Checkpoint {
    std::string path;
    std::string step;
    uint64_t bytes = 0;
  };
  std::vector<Checkpoint> checkpoints_;
  std::optional<std::string> eval_json_;
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
    io.samples = 0;
    try {
      inspect_ = storage::inspect(dir_, io);
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
      problem("manifest.json: missing — the run is unfinished (journal/ holds its last checkpoint; rerun `primer run` "
              "to resume it). Counts below are those of the last checkpoint.");
    } else {
      problem("manifest.json: missing — no funnel, cost or shard checksums to show; figures come from the shard files "
              "found in data/");
    }
  }
  if (manifest_) notes_.insert(notes_.end(), manifest_->caveats.begin(), manifest_->caveats.end());
  if (manifest_ && !manifest_from_journal_) {
    for (const auto& s : manifest_->shards) shards_.push_back({s.path, s.split});
  } else {
    const fs::path data = fs::is_directory(dir_ / storage::kDataDir) ? dir_ / storage::kDataDir : dir_;
    for (const auto& f : shard_files_in(data)) shards_.push_back({fs::relative(f, dir_).string(), storage::split_of(f)});
    if (manifest_from_journal_)  // the checkpointed train shards (journal/shards/)
      for (const auto& s : manifest_->shards) {
        const bool listed = std::any_of(shards_.begin(), shards_.end(), [&](const ShardToRead& r) { return r.path == s.path; });
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
        notes_.push_back(fmt::format("the run's vocabulary {} was not found; OOV figures use the bundled vocab/default.txt",
                                     std::string(s)));
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
  const report::ShardsRead read =
      report::scan_shards(dir_, shards_, o_, vocab_, scan_, [this](const std::string& p) { problem(p); });
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
// Training half.

void Builder::load_training() {
  const fs::path metrics = dir_ / "metrics.jsonl";
  const bool has_metrics = fs::exists(metrics);
  const bool has_eval = fs::exists(dir_ / "eval.json");
  // Checkpoints: directories (DIR itself or up to two levels down) with a state.json.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      if (it.depth() >= 1 || name == "journal" || name == storage::kDataDir || name == storage::kTokensDir ||
          name == storage::kRejectedDir)
        it.disable_recursion_pending();
      continue;
    }
    if (name != "state.json") continue;
    Checkpoint c;
    const fs::path d = p.parent_path();
    c.path = d == dir_ ? "." : fs::relative(d, dir_).string();
    try {
      simdjson::dom::parser parser;
      const std::string text = storage::read_file(p);
      simdjson::dom::element root;
      int64_t step;
      if (!parser.parse(text).get(root) && !root["step"].get_int64().get(step)) c.step = std::to_string(step);
    } catch (const storage::StorageError&) {
    }
    if (fs::exists(d / "model.bin", ec)) c.bytes = fs::file_size(d / "model.bin", ec);
    checkpoints_.push_back(std::move(c));
  }
  std::sort(checkpoints_.begin(), checkpoints_.end(), [](const Checkpoint& a, const Checkpoint& b) { return a.path < b.path; });
  is_training_ = has_metrics || has_eval || !checkpoints_.empty();
  if (!is_training_) return;
  if (!has_metrics) {
    problem("metrics.jsonl: missing (no loss curves)");
  } else {
    try {
      const std::string text = storage::read_file(metrics);
      simdjson::dom::parser parser;
      uint64_t first_bad = 0;
      vocab::for_each_line(text, [&](std::string_view line, size_t line_no) {
        if (line.find_first_not_of(" \t") == std::string_view::npos) return;
        simdjson::dom::object obj;
        if (parser.parse(line).get_object().get(obj)) {
          if (!metrics_malformed_++) first_bad = line_no;
          return;
        }
        MetricRow row;
        auto num = [&](const char* key, double& out) {
          double v;
          if (!obj[key].get_double().get(v)) out = v;  // integers convert too
        };
        num("step", row.step);
        num("loss", row.loss);
        num("lr", row.lr);
        num("tokens_per_s", row.tokens_per_s);
        num("val_loss", row.val_loss);
        num("gflops", row.gflops);
        if (std::isnan(row.step)) row.step = double(metrics_.size());
        metrics_.push_back(row);
      });
      if (metrics_malformed_)
        problem(fmt::format("metrics.jsonl: {} malformed line{} skipped (the first: line {})", metrics_malformed_,
                            metrics_malformed_ == 1 ? "" : "s", first_bad));
      if (metrics_.empty()) problem("metrics.jsonl: no rows");
    } catch (const storage::StorageError& e) {
      problem(std::string("metrics.jsonl: ") + e.what());
    }
  }
  if (has_eval) {
    try {
      eval_json_ = storage::read_file(dir_ / "eval.json");
    } catch (const storage::StorageError& e) {
      problem(std::string("eval.json: ") + e.what());
    }
  }
}

// A JSON value as short text: numbers formatted, strings bare, the rest minified.
std::string json_value_text(simdjson::dom::element v) {
  double d;
  std::string_view s;
  if (!v.get_double().get(d)) return number(d);
  if (!v.get_string().get(s)) return std::string(s);
  return cut_utf8(simdjson::minify(v), 300);
}

std::string eval_table(const std::string& json, const std::function<void(const std::string&)>& problem) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(json).get(root) || root.get_object().get(obj)) {
    problem("eval.json: not a JSON object; shown as text");
    return "<pre>" + esc(cut_utf8(json, 4000)) + "</pre>";
  }
  std::string h;
  simdjson::dom::object scores;
  if (!obj["scores"].get_object().get(scores)) {
    h += "<h3>Scores (teacher as judge)</h3><table id=\"eval-scores\"><thead><tr><th>measure</th><th class=\"num\">mean</th>"
         "<th class=\"num\">± 95% CI</th><th>other</th></tr></thead><tbody>";
    for (auto [name, v] : scores) {
      std::string mean, ci, other;
      simdjson::dom::object o;
      if (!v.get_object().get(o)) {
        for (auto [k, x] : o) {
          if (k == "mean") mean = json_value_text(x);
          else if (k == "ci95") ci = json_value_text(x);
          else other += (other.empty() ? "" : ", ") + std::string(k) + ": " + json_value_text(x);
        }
      } else {
        mean = json_value_text(v);
      }
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>", esc(name), esc(mean),
                       esc(ci), esc(other));
    }
    h += "</tbody></table>";
  }
  simdjson::dom::object autos;
  if (!obj["auto"].get_object().get(autos)) {
    h += "<h3>Automatic measures</h3><table id=\"eval-auto\"><tbody>";
    for (auto [name, v] : autos)
      h += fmt::format("<tr><th>{}</th><td class=\"num\">{}</td></tr>", esc(name), esc(json_value_text(v)));
    h += "</tbody></table>";
  }
  std::string rest;
  for (auto [k, v] : obj)
    if (k != "scores" && k != "auto") rest += fmt::format("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(json_value_text(v)));
  if (!rest.empty()) h += "<h3>Other fields</h3><table><tbody>" + rest + "</tbody></table>";
  if (h.empty()) h = "<p class=\"muted\">eval.json has neither \"scores\" nor \"auto\".</p>";
  return h;
}

std::string Builder::training_section() {
  std::string h = "<section id=\"training\"><h2>Training</h2>";
  if (!metrics_.empty()) {
    const MetricRow& last = metrics_.back();
    double best_val = NAN, best_step = NAN;
    for (const auto& r : metrics_)
      if (std::isfinite(r.val_loss) && !(r.val_loss >= best_val)) best_val = r.val_loss, best_step = r.step;
    // Throughput: mean over the last half of the rows (warm).
    double tps = 0;
    size_t n = 0;
    for (size_t i = metrics_.size() / 2; i < metrics_.size(); ++i)
      if (std::isfinite(metrics_[i].tokens_per_s)) tps += metrics_[i].tokens_per_s, ++n;
    h += "<div class=\"cards\">";
    h += card("steps logged", base::with_commas(metrics_.size()));
    h += card("last step", number(last.step), "last-step");
    double last_loss = NAN;
    for (const auto& r : metrics_)
      if (std::isfinite(r.loss)) last_loss = r.loss;
    h += card("last loss", number(last_loss), "last-loss");
    if (std::isfinite(best_val)) h += card(fmt::format("best val loss (step {})", number(best_step)), number(best_val), "best-val-loss");
    if (n) h += card("tokens/s (last half)", number(std::round(tps / double(n))));
    h += "</div>";
    std::vector<report_svg::Series> loss(2);
    loss[0].name = "train loss";
    loss[1].name = "validation loss";
    loss[1].series = 1;
    loss[1].dots = true;
    report_svg::Series lr{"learning rate", {}, 3, false}, speed{"tokens/s", {}, 2, false}, gflops{"GFLOP/s", {}, 4, false};
    for (const auto& r : metrics_) {
      if (std::isfinite(r.loss)) loss[0].points.emplace_back(r.step, r.loss);
      if (std::isfinite(r.val_loss)) loss[1].points.emplace_back(r.step, r.val_loss);
      if (std::isfinite(r.lr)) lr.points.emplace_back(r.step, r.lr);
      if (std::isfinite(r.tokens_per_s)) speed.points.emplace_back(r.step, r.tokens_per_s);
      if (std::isfinite(r.gflops)) gflops.points.emplace_back(r.step, r.gflops);
    }
    if (loss[1].points.empty()) loss.pop_back();
    h += "<h3>Loss</h3>" + report_svg::lines(loss, "step", "loss", "Training and validation loss");
    h += "<div class=\"grid2\"><div><h3>Learning rate</h3>" + report_svg::lines({lr}, "step", "learning rate", "Learning rate", false, 600, kHalf) +
         "</div><div><h3>Throughput</h3>" + report_svg::lines({speed}, "step", "tokens/s", "Tokens per second", false, 600, kHalf) + "</div></div>";
    if (!gflops.points.empty()) h += "<h3>GFLOP/s</h3>" + report_svg::lines({gflops}, "step", "GFLOP/s", "GFLOP/s");
  }
  if (eval_json_) {
    h += "<h3 id=\"eval\">Evaluation</h3>";
    h += eval_table(*eval_json_, [this](const std::string& p) { problem(p); });
  }
  if (!checkpoints_.empty()) {
    h += "<h3>Checkpoints</h3><table><thead><tr><th>directory</th><th class=\"num\">step</th><th class=\"num\">model.bin bytes</th>"
         "</tr></thead><tbody>";
    for (const auto& c : checkpoints_)
      h += fmt::format("<tr><td class=\"path\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>", esc(c.path),
                       esc(c.step.empty() ? "?" : c.step), c.bytes ? base::with_commas(c.bytes) : "–");
    h += "</tbody></table>";
  }
  return h + "</section>";
}

// ---------------------------------------------------------------------------------------

std::string Builder::build() {
  load_dataset();
  if (is_dataset_) {
    load_vocabulary();
    scan_records();
    report::scan_rejected(dir_, o_, scan_, [this](const std::string& p) { problem(p); });
  }
  load_training();
  summary_.kind = is_dataset_ && is_training_ ? "dataset+training" : is_dataset_ ? "dataset" : is_training_ ? "training" : "unknown";
  if (!is_dataset_ && !is_training_)
    problem(dir_.string() + ": nothing to report: no manifest.json, no data/ shards, no journal/, no metrics.jsonl, "
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
  if (is_training_) body += training_section();
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
