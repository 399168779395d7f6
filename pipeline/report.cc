#include "pipeline/report.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "base/svg.h"
#include "base/text.h"
#include "pipeline/report_scan.h"
#include "storage/files.h"
#include "storage/inspect.h"
#include "storage/layout.h"
#include "storage/manifest.h"
#include "storage/sha256.h"
#include "vocab/vocabulary.h"

#ifndef PRIMER_DATA_DIR
#define PRIMER_DATA_DIR "."
#endif

namespace primer::pipeline {
namespace fs = std::filesystem;
namespace {

using base::cut_utf8;
namespace report_svg = base::svg;
using base::percent;
using report_svg::esc;
using report_svg::number;
using report::BottomK;
using report::DatasetScan;
using report::kMaxWord;
using report::OovWord;
using report::SampleRow;
using report::shard_files_in;
using report::ShardToRead;

// ---------------------------------------------------------------------------------------
// Page furniture: the style sheet and the search script. The Content-Security-Policy
// admits exactly these two (by their sha256) and nothing from anywhere.

constexpr std::string_view kStyle = R"CSS(
:root{--fg:#1d232a;--muted:#5b6570;--line:#d5dbe1;--bg:#fff;--panel:#f5f7f9;--bad:#b3261e;--ok:#1e7b34}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1080px;margin:0 auto;padding:0 20px 60px}
header{margin-bottom:8px}
h1{font-size:1.5em;margin:18px 0 2px}
h2{font-size:1.2em;margin:28px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:1em;margin:18px 0 6px}
.muted,.path{color:var(--muted)}
.path{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
nav{margin:8px 0 12px}nav a{margin-right:14px;color:#2b5d8a;text-decoration:none}nav a:hover{text-decoration:underline}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:.93em}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.sub td:first-child{padding-left:28px;color:var(--muted)}
tr.total td{font-weight:600;border-top:2px solid var(--fg)}
tr.dedup td:first-child::after{content:" dedup";font-size:.75em;color:#8a5a00;margin-left:6px;border:1px solid #d9b25c;border-radius:3px;padding:0 3px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:10px 0}
.card{background:var(--panel);border-radius:6px;padding:8px 12px}.card b{display:block;font-size:1.35em}
.problems{border:1px solid var(--bad);background:#fdf0ef;border-radius:6px;padding:6px 14px;margin:12px 0}
.problems h2{border:0;margin:4px 0;color:var(--bad)}
.status{display:inline-block;border-radius:4px;padding:1px 8px;font-weight:600;color:#fff}
.status.ok{background:var(--ok)}.status.bad{background:var(--bad)}.status.skip{background:var(--muted)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media (max-width:820px){.grid2{grid-template-columns:1fr}}
svg.chart{width:100%;height:auto;display:block;margin:4px 0 8px}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}svg .tick{fill:var(--muted);font-size:11px}
svg .axis{stroke:#8a949e}svg .grid{stroke:#e8ecef}svg .value{fill:var(--muted)}
svg .s0{fill:#4e79a7}svg .s1{fill:#e15759}svg .s2{fill:#f28e2b}svg .s3{fill:#59a14f}svg .s4{fill:#b07aa1}svg .s5{fill:#9c755f}
svg .line{fill:none;stroke-width:1.6}svg .line.s0{stroke:#4e79a7}svg .line.s1{stroke:#e15759}svg .line.s2{stroke:#f28e2b}
svg .line.s3{stroke:#59a14f}svg .line.s4{stroke:#b07aa1}svg .line.s5{stroke:#9c755f}
.search{width:100%;font:inherit;padding:7px 10px;border:1px solid var(--line);border-radius:6px;margin:6px 0}
.text{white-space:pre-wrap;max-height:9.5em;overflow:auto;font-size:.92em}
td.meta{font-size:.82em;color:var(--muted);width:190px;word-break:break-word}
mark{background:#ffe08a;padding:0 1px}
.ctx{font-size:.9em}.ctx mark{font-weight:600}
.heat td.num{min-width:3em}.h0{background:#fff}.h1{background:#e6eef7}.h2{background:#c6d8ec}.h3{background:#9dbddf}.h4{background:#6f9dcc}.h5{background:#4e79a7;color:#fff}
pre{background:var(--panel);padding:8px;overflow:auto;font-size:.85em;white-space:pre-wrap;word-break:break-word}
@media print{
 body{font-size:10pt}main{max-width:none;padding:0}nav,.search,.noprint{display:none}
 h2{break-after:avoid}section,.chart,table.funnel{break-inside:avoid}tr{break-inside:avoid}
 .text{max-height:none;overflow:visible}details>*{display:block}a{color:inherit;text-decoration:none}
 .problems,.card,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
)CSS";

// The sample search: every word of the query must occur in a row (case-insensitive).
// The query comes from the box or, on load, from the URL: report.html#q=some+words.
constexpr std::string_view kScript = R"JS(
(function(){
  var box=document.getElementById('search');
  function apply(q){
    var terms=(q||'').toLowerCase().split(/\s+/).filter(function(t){return t.length>0;});
    var tables=document.querySelectorAll('table.samples');
    for(var k=0;k<tables.length;k++){
      var t=tables[k],rows=t.tBodies[0].rows,shown=0;
      for(var i=0;i<rows.length;i++){
        var text=rows[i].textContent.toLowerCase(),ok=true;
        for(var j=0;j<terms.length;j++)if(text.indexOf(terms[j])<0){ok=false;break;}
        rows[i].hidden=!ok;if(ok)shown++;
      }
      var c=document.getElementById(t.id+'-count');
      if(c){c.textContent=shown+' of '+rows.length+' rows shown';c.setAttribute('data-shown',String(shown));}
    }
    document.body.setAttribute('data-query',terms.join(' '));
  }
  function fromHash(){
    var m=/(?:^#|&)q=([^&]*)/.exec(location.hash);
    return m?decodeURIComponent(m[1].replace(/\+/g,' ')):'';
  }
  if(box){
    box.addEventListener('input',function(){
      apply(box.value);
      if(history.replaceState)history.replaceState(null,'',box.value?'#q='+encodeURIComponent(box.value):'#');
    });
  }
  var q=fromHash();
  if(box)box.value=q;
  apply(q);
  window.addEventListener('hashchange',function(){var h=fromHash();if(box)box.value=h;apply(h);});
})();
)JS";

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[v >> s & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[v >> 18 & 63]);
    out.push_back(kAlphabet[v >> 12 & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[v >> 6 & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// "'sha256-BASE64'" of a script or style element's content, for the CSP.
std::string csp_hash(std::string_view content) {
  const std::string hex = storage::sha256_hex(content);
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return "'sha256-" + base64(raw) + "'";
}

constexpr double kHalf = 480;  // SVG width of a chart in half a column (.grid2)

double share(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : NAN; }

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
  std::string dataset_sections();
  std::string funnel_section();
  std::string distributions_section();
  std::string oov_section();
  std::string samples_section();
  std::string manifest_section();

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
// Dataset sections.

bool is_dedup(std::string_view filter) {
  return filter == "exact_dedup" || filter == "minhash" || filter == "decontaminate";
}

std::string card(const std::string& label, const std::string& value, const std::string& key = "") {
  return fmt::format("<div class=\"card\"{}><b>{}</b>{}</div>",
                     key.empty() ? "" : " data-card=\"" + esc(key) + "\"", value, esc(label));
}

// One funnel row; `key` lets a test find the number (data-funnel="...").
std::string funnel_row(const std::string& cls, const std::string& label, uint64_t n, const std::string& key,
                       uint64_t of_stage, uint64_t of_prompts, const std::string& stage_note = "") {
  return fmt::format(
      "<tr{}><td>{}</td><td class=\"num\" data-funnel=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
      cls.empty() ? "" : " class=\"" + cls + "\"", label, esc(key), base::with_commas(n),
      stage_note.empty() ? (of_stage ? percent(share(n, of_stage)) : "") : stage_note,
      of_prompts ? percent(share(n, of_prompts)) : "");
}

std::string Builder::funnel_section() {
  std::string h = "<section id=\"funnel\"><h2>Funnel</h2>";
  if (!manifest_) return h + "<p class=\"muted\">No manifest.json: the funnel is unknown.</p></section>";
  const storage::Manifest& m = *manifest_;
  if (manifest_from_journal_) h += "<p class=\"muted\">Counts of the last checkpoint (journal/state.json): the run is unfinished.</p>";
  h += "<div class=\"cards\">";
  h += card("prompts", base::with_commas(m.prompts), "prompts");
  h += card("kept documents", base::with_commas(m.kept), "kept");
  h += card("kept share", percent(share(m.kept, m.prompts)));
  h += card("text", fmt::format("{:.2f} MB", double(m.text_bytes) / 1e6));
  if (m.prompt_tokens || m.completion_tokens)
    h += card("teacher tokens (prompt + completion)", base::with_commas(m.prompt_tokens + m.completion_tokens));
  h += card("cost", fmt::format("${:.4f}", m.cost_usd), "cost");
  if (m.kept && m.cost_usd > 0) h += card("cost per 1,000 kept", fmt::format("${:.4f}", 1000 * m.cost_usd / double(m.kept)));
  if (m.tokenizer) h += card("train tokens", base::with_commas(m.split_tokens("train")));
  h += "</div>";

  // Where the documents went: remaining after each stage.
  std::vector<report_svg::Bar> bars;
  bars.push_back({"prompts", double(m.prompts), "100%", 0});
  bars.push_back({"replies", double(m.replies), percent(share(m.replies, m.prompts)), 0});
  for (const auto& f : m.filters)
    bars.push_back({"after " + f.name, double(f.kept), percent(share(f.kept, m.prompts)), is_dedup(f.name) ? 2 : 0});
  bars.push_back({"kept", double(m.kept), percent(share(m.kept, m.prompts)), 3});
  h += "<h3>Documents remaining after each stage</h3>" + report_svg::hbars(bars, "Documents remaining after each stage");
  std::vector<report_svg::Bar> drops;
  for (const auto& f : m.filters)
    for (const auto& d : f.dropped)
      if (d.count) drops.push_back({f.name + ": " + d.reason, double(d.count), percent(share(d.count, m.prompts)), 1});
  if (m.teacher_failures) drops.insert(drops.begin(), {"teacher failures", double(m.teacher_failures), percent(share(m.teacher_failures, m.prompts)), 1});
  h += "<h3>Drops by filter and reason</h3>" +
       (drops.empty() ? std::string("<p class=\"muted\">Nothing was dropped.</p>") : report_svg::hbars(drops, "Drops by filter and reason"));

  h += "<table class=\"funnel\" id=\"funnel-table\"><thead><tr><th>stage</th><th class=\"num\">documents</th>"
       "<th class=\"num\">of the stage</th><th class=\"num\">of prompts</th></tr></thead><tbody>";
  h += funnel_row("", "prompts", m.prompts, "prompts", 0, m.prompts);
  h += funnel_row("", "replies", m.replies, "replies", m.prompts, m.prompts);
  if (m.teacher_failures) h += funnel_row("sub", "teacher failures", m.teacher_failures, "teacher_failures", m.prompts, m.prompts);
  for (const auto& f : m.filters) {
    const std::string cls = is_dedup(f.name) ? "dedup" : "";
    h += funnel_row(cls, "filter <b>" + esc(f.name) + "</b> seen", f.seen, "filter:" + f.name + ":seen", 0, m.prompts);
    for (const auto& d : f.dropped)
      h += funnel_row("sub", "dropped: " + esc(d.reason), d.count, "filter:" + f.name + ":drop:" + d.reason, f.seen, m.prompts);
    h += funnel_row("sub", "kept", f.kept, "filter:" + f.name + ":kept", f.seen, m.prompts);
  }
  h += funnel_row("total", "kept", m.kept, "kept", m.replies, m.prompts);
  h += funnel_row("sub", "train", m.split_records("train"), "train", m.kept, m.prompts);
  h += funnel_row("sub", "validation", m.split_records("validation"), "validation", m.kept, m.prompts);
  h += "</tbody></table>";

  h += "<h3>Tokens and cost</h3><table><tbody>";
  auto kv = [&](const std::string& k, const std::string& v, const std::string& key = "") {
    h += fmt::format("<tr><th>{}</th><td class=\"num\"{}>{}</td></tr>", k, key.empty() ? "" : " data-funnel=\"" + key + "\"", v);
  };
  kv("teacher", esc(m.teacher.empty() ? "-" : m.teacher));
  kv("prompt tokens (teacher usage)", base::with_commas(m.prompt_tokens), "prompt_tokens");
  kv("completion tokens (teacher usage)", base::with_commas(m.completion_tokens), "completion_tokens");
  kv("cost (USD)", fmt::format("{:.4f}", m.cost_usd), "cost_usd");
  if (m.replies && m.completion_tokens)
    kv("completion tokens per reply", fmt::format("{:.1f}", double(m.completion_tokens) / double(m.replies)));
  kv("text bytes kept", base::with_commas(m.text_bytes), "text_bytes");
  if (m.invalid_utf8) kv("invalid UTF-8 sequences replaced", base::with_commas(m.invalid_utf8));
  if (m.tokenizer) {
    kv("tokenizer", esc(fmt::format("{} ({}, {} pieces)", m.tokenizer->path, m.tokenizer->model_type, m.tokenizer->vocab_size)));
    kv("train tokens", base::with_commas(m.split_tokens("train")), "tokens_train");
    kv("validation tokens", base::with_commas(m.split_tokens("validation")), "tokens_validation");
  }
  kv("wall time", fmt::format("{:.1f} s", m.seconds));
  h += "</tbody></table></section>";
  return h;
}

// Percentile of sorted values.
template <typename T>
double percentile(const std::vector<T>& sorted, double p) {
  if (sorted.empty()) return NAN;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * double(sorted.size() - 1) + 0.5));
  return double(sorted[i]);
}

std::string heat_class(uint64_t n, uint64_t max) {
  if (!n || !max) return "h0";
  return "h" + std::to_string(1 + std::min<uint64_t>(4, 5 * n / (max + 1)));
}

std::string Builder::distributions_section() {
  const DatasetScan& s = scan_;
  std::string h = "<section id=\"distributions\"><h2>Distributions</h2>";
  if (!s.records) return h + "<p class=\"muted\">No records could be read.</p></section>";
  h += fmt::format("<p class=\"muted\">From {} records.</p>", base::with_commas(s.records));
  std::vector<uint32_t> words = s.words;
  std::sort(words.begin(), words.end());
  h += "<div class=\"cards\">";
  h += card("words, median", number(percentile(words, 0.5)));
  h += card("words, 10th–90th percentile", number(percentile(words, 0.1)) + "–" + number(percentile(words, 0.9)));
  if (vocab_) {
    h += card("OOV tokens", percent(share(s.oov_tokens, s.tokens)));
    h += card("documents with an OOV word", percent(share(s.docs_with_oov, s.records)));
  }
  for (const auto& [split, n] : s.splits) h += card(split + " records read", base::with_commas(n));
  h += "</div><div class=\"grid2\">";
  {
    const double p99 = std::max(1.0, percentile(words, 0.99));
    const double width = std::max(1.0, std::ceil(p99 / 25 / 5) * 5);
    const size_t bins = static_cast<size_t>(std::ceil(p99 / width)) + 1;
    std::vector<uint64_t> counts(bins, 0);
    for (uint32_t w : words) ++counts[std::min(bins - 1, static_cast<size_t>(double(w) / width))];
    h += "<div><h3>Story length</h3>" +
         report_svg::histogram(counts, 0, width, true, "words per document", "Story length in words", kHalf) + "</div>";
  }
  if (vocab_) {
    constexpr double kBin = 0.5;  // percent
    constexpr size_t kBins = 21;  // 0 … 10%, then ≥ 10%
    std::vector<uint64_t> counts(kBins, 0);
    for (float r : s.oov_rates) ++counts[std::min(kBins - 1, static_cast<size_t>(100.0 * double(r) / kBin + 1e-9))];
    h += "<div><h3>OOV rate</h3>" +
         report_svg::histogram(counts, 0, kBin, true, "out-of-vocabulary tokens, % of the document's tokens",
                               "OOV rate per document", kHalf) +
         fmt::format("<p class=\"muted\">Against {}.</p></div>", esc(vocab_name_));
  }
  h += "</div><div class=\"grid2\">";
  if (s.with_features_field) {
    std::vector<report_svg::Bar> bars;
    for (const auto& [f, n] : s.features) bars.push_back({f, double(n), percent(share(n, s.with_features_field)), 4});
    bars.push_back({"(none requested)", double(s.with_no_features), percent(share(s.with_no_features, s.with_features_field)), 5});
    h += "<div><h3>Features requested</h3>" + report_svg::hbars(bars, "Features requested per document", kHalf) + "</div>";
  }
  if (s.with_words) {
    h += "<div><h3>Required words</h3><table><thead><tr><th>word</th><th class=\"num\">in the story</th>"
         "<th class=\"num\">distinct drawn</th><th class=\"num\">in the list</th></tr></thead><tbody>";
    const char* names[3] = {"verb", "noun", "adjective"};
    const vocab::Pos pos[3] = {vocab::Pos::kVerb, vocab::Pos::kNoun, vocab::Pos::kAdj};
    for (int k = 0; k < 3; ++k)
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                       names[k], s.words_in_vocab ? percent(share(s.found[k], s.words_in_vocab)) : "–",
                       base::with_commas(s.distinct[k].size()),
                       vocab_ ? base::with_commas(vocab_->with_pos(pos[k]).size()) : "–");
    h += fmt::format("<tr class=\"total\"><td>all three</td><td class=\"num\">{}</td><td></td><td></td></tr></tbody></table>",
                     s.words_in_vocab ? percent(share(s.all_found, s.words_in_vocab)) : "–");
    h += fmt::format("<p class=\"muted\">{} of {} documents name three required words{}.</p></div>",
                     base::with_commas(s.with_words), base::with_commas(s.records),
                     s.words_in_vocab < s.with_words
                         ? fmt::format(" ({} of them words the vocabulary lists)", base::with_commas(s.words_in_vocab))
                         : "");
  }
  h += "</div>";
  if (s.with_topic || s.with_audience || s.with_style) {
    h += "<h3>Topic × audience × style</h3>";
    h += fmt::format("<p class=\"muted\">{} topics, {} audiences, {} styles.</p>", s.topics.size(), s.audiences.size(),
                     s.styles.size());
    if (!s.topics.empty() || !s.audiences.empty()) {
      std::vector<std::pair<uint64_t, std::string>> topics;
      for (const auto& [t, n] : s.topics) topics.emplace_back(n, t);
      std::sort(topics.rbegin(), topics.rend());
      constexpr size_t kTopTopics = 30;
      if (topics.size() > kTopTopics) topics.resize(kTopTopics);
      if (topics.empty()) topics.emplace_back(0, "");  // audiences without topics: one row
      std::vector<std::string> audiences;
      for (const auto& [a, n] : s.audiences) audiences.push_back(a);
      if (audiences.empty()) audiences.push_back("");
      uint64_t max = 0;
      for (const auto& [k, n] : s.topic_audience) max = std::max(max, n);
      h += "<table class=\"heat\"><thead><tr><th>topic \\ audience</th>";
      for (const auto& a : audiences) h += "<th class=\"num\">" + esc(a.empty() ? "(none)" : a) + "</th>";
      h += "</tr></thead><tbody>";
      for (const auto& [n, t] : topics) {
        h += "<tr><td>" + esc(t.empty() ? "(none)" : t) + "</td>";
        for (const auto& a : audiences) {
          auto it = s.topic_audience.find({t, a});
          const uint64_t c = it == s.topic_audience.end() ? 0 : it->second;
          h += fmt::format("<td class=\"num {}\">{}</td>", heat_class(c, max), c ? base::with_commas(c) : "");
        }
        h += "</tr>";
      }
      h += "</tbody></table>";
      if (s.topics.size() > kTopTopics)
        h += fmt::format("<p class=\"muted\">The {} most frequent of {} topics.</p>", kTopTopics, s.topics.size());
    }
    if (!s.styles.empty()) {
      std::vector<report_svg::Bar> bars;
      for (const auto& [st, n] : s.styles) bars.push_back({st, double(n), percent(share(n, s.with_style)), 3});
      h += "<h3>Styles</h3>" + report_svg::hbars(bars, "Documents per style");
    }
  }
  return h + "</section>";
}

std::string Builder::oov_section() {
  if (!vocab_) return "";
  std::string h = "<section id=\"oov\"><h2>Out-of-vocabulary words</h2>";
  if (scan_.oov.empty()) return h + "<p>No out-of-vocabulary word in the records read.</p></section>";
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [w, o] : scan_.oov) top.emplace_back(o.count, w);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  h += fmt::format("<p class=\"muted\">{} distinct words; the {} most frequent.</p>", base::with_commas(top.size()),
                   std::min(top.size(), o_.top_oov));
  if (top.size() > o_.top_oov) top.resize(o_.top_oov);
  h += "<table id=\"oov-table\"><thead><tr><th>word</th><th class=\"num\">count</th><th class=\"num\">documents</th>"
       "<th>in context</th></tr></thead><tbody>";
  for (const auto& [n, w] : top) {
    const OovWord& o = scan_.oov.at(w);
    std::string ctx;
    for (const auto& e : o.examples) ctx += "<div class=\"ctx\">" + e + "</div>";
    h += fmt::format("<tr><td><b>{}</b></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>", esc(cut_utf8(w, kMaxWord)),
                     base::with_commas(o.count), base::with_commas(o.docs), ctx);
  }
  return h + "</tbody></table></section>";
}

std::string Builder::samples_section() {
  std::vector<SampleRow> kept = scan_.kept.take(), rejected = scan_.rejected.take();
  if (kept.empty() && rejected.empty() && !scan_.rejected_files) return "";
  std::string h = "<section id=\"samples\"><h2>Samples</h2>";
  h += "<input id=\"search\" class=\"search\" type=\"search\" placeholder=\"Search the samples (every word must match)…\" "
       "aria-label=\"Search the samples\">";
  h += fmt::format("<h3>Kept documents</h3><p class=\"muted\"><span id=\"kept-samples-count\" data-shown=\"{0}\">{0} of {0} rows "
                   "shown</span> · a uniform sample of the records read</p>",
                   kept.size());
  h += "<table class=\"samples\" id=\"kept-samples\"><thead><tr><th>document</th><th>text</th></tr></thead><tbody>";
  for (const auto& r : kept) h += r.html;
  h += "</tbody></table>";
  if (scan_.rejected_files) {
    h += fmt::format("<h3>Rejected documents</h3><p class=\"muted\">{} records in {} files under rejected/.</p>",
                     base::with_commas(scan_.rejected_records), scan_.rejected_files);
    h += "<table><thead><tr><th>filter</th><th>reason</th><th class=\"num\">documents</th></tr></thead><tbody>";
    for (const auto& [k, n] : scan_.rejected_reasons)
      h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\" data-rejected=\"{}\">{}</td></tr>", esc(k.first),
                       esc(k.second), esc(k.first + ":" + k.second), base::with_commas(n));
    h += "</tbody></table>";
    h += fmt::format("<p class=\"muted\"><span id=\"rejected-samples-count\" data-shown=\"{0}\">{0} of {0} rows shown</span></p>",
                     rejected.size());
    h += "<table class=\"samples\" id=\"rejected-samples\"><thead><tr><th>dropped by</th><th>text</th></tr></thead><tbody>";
    for (const auto& r : rejected) h += r.html;
    h += "</tbody></table>";
  }
  return h + "</section>";
}

std::string Builder::manifest_section() {
  std::string h = "<section id=\"manifest\"><h2>Manifest and verify</h2>";
  if (!inspect_) {
    h += "<p><span class=\"status bad\" id=\"verify-status\" data-status=\"missing\">NOT VERIFIED</span> no dataset files to check.</p>";
  } else if (!inspect_->manifest) {
    h += "<p><span class=\"status bad\" id=\"verify-status\" data-status=\"no-manifest\">NO MANIFEST</span> the shards cannot be "
         "checked against checksums.</p>";
  } else if (!inspect_->problems.empty()) {
    h += fmt::format("<p><span class=\"status bad\" id=\"verify-status\" data-status=\"failed\">VERIFY FAILED</span> {} problem{}:</p><ul>",
                     inspect_->problems.size(), inspect_->problems.size() == 1 ? "" : "s");
    for (const auto& p : inspect_->problems) h += "<li>" + esc(p) + "</li>";
    h += "</ul>";
  } else if (inspect_->verified) {
    h += fmt::format("<p><span class=\"status ok\" id=\"verify-status\" data-status=\"ok\">VERIFIED</span> {} shards{}: sizes, "
                     "sha256 and record counts match the manifest.</p>",
                     inspect_->shards.size(),
                     inspect_->token_files.empty() ? "" : fmt::format(" and {} token shards", inspect_->token_files.size()));
  } else {
    h += "<p><span class=\"status skip\" id=\"verify-status\" data-status=\"skipped\">NOT VERIFIED</span> (verification was "
         "turned off; run <code>primer inspect DIR --verify</code>).</p>";
  }
  if (manifest_ && !manifest_from_journal_) {
    const storage::Manifest& m = *manifest_;
    h += "<table><tbody>";
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"schema", std::to_string(m.schema)},
             {"primer version", m.primer_version},
             {"kind", m.kind},
             {"teacher", m.teacher},
             {"config sha256", m.config_hash},
             {"started", m.started_at},
             {"finished", m.finished_at}})
      h += fmt::format("<tr><th>{}</th><td>{}</td></tr>", k, esc(v));
    h += "</tbody></table>";
  }
  if (inspect_ && !inspect_->shards.empty()) {
    h += "<h3>Shards</h3><table><thead><tr><th>path</th><th>split</th><th class=\"num\">records</th><th class=\"num\">bytes</th>"
         "<th>sha256 (manifest)</th><th>status</th></tr></thead><tbody>";
    std::map<std::string, std::string> sha;
    if (manifest_)
      for (const auto& s : manifest_->shards) sha[s.path] = s.sha256.substr(0, 16);
    for (const auto& s : inspect_->shards) {
      std::string status = "ok";
      for (const auto& p : inspect_->problems)
        if (p.starts_with(s.path + ":")) status = "problem";
      if (!s.exists) status = "MISSING";
      h += fmt::format("<tr><td class=\"path\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"path\">{}</td>"
                       "<td>{}</td></tr>",
                       esc(s.path), esc(s.split), base::with_commas(s.records), base::with_commas(s.bytes),
                       esc(sha.count(s.path) ? sha[s.path] + "…" : ""), status);
    }
    h += "</tbody></table>";
  }
  if (manifest_ && !manifest_->config_json.empty() && manifest_->config_json != "{}") {
    std::string pretty = manifest_->config_json;
    h += "<details><summary>Run config (as stored in the manifest)</summary><pre>" + esc(pretty) + "</pre></details>";
  }
  return h + "</section>";
}

std::string Builder::dataset_sections() {
  return funnel_section() + distributions_section() + oov_section() + samples_section() + manifest_section();
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
  if (is_dataset_) body += dataset_sections();
  if (is_training_) body += training_section();

  std::string nav;
  for (const auto& [id, label] : std::vector<std::pair<std::string, std::string>>{
           {"funnel", "Funnel"}, {"distributions", "Distributions"}, {"oov", "OOV words"}, {"samples", "Samples"},
           {"manifest", "Manifest"}, {"training", "Training"}})
    if (body.find("<section id=\"" + id + "\"") != std::string::npos) nav += fmt::format("<a href=\"#{}\">{}</a>", id, label);

  const std::string style(kStyle), script(kScript);
  std::string page;
  page.reserve(body.size() + 16384);
  page += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src " + csp_hash(style) +
          "; script-src " + csp_hash(script) + "; base-uri 'none'; form-action 'none'\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"primer report\">\n";
  page += "<title>primer report: " + esc(dir_.filename().empty() ? dir_.string() : dir_.filename().string()) + "</title>\n";
  page += "<style>" + style + "</style></head>\n<body data-kind=\"" + summary_.kind + "\"><main>\n";
  page += "<header><h1>primer report</h1><div class=\"path\">" + esc(fs::absolute(dir_).lexically_normal().string()) +
          "</div><p class=\"muted\">" + esc(summary_.kind) + " · generated " + storage::utc_now() + "</p><nav>" + nav +
          "</nav></header>\n";
  if (!summary_.problems.empty()) {
    page += fmt::format("<div class=\"problems\" id=\"problems\" data-count=\"{}\"><h2>{} problem{}</h2><ul>", summary_.problems.size(),
                        summary_.problems.size(), summary_.problems.size() == 1 ? "" : "s");
    for (const auto& p : summary_.problems) page += "<li>" + esc(p) + "</li>";
    page += "</ul></div>\n";
  }
  for (const auto& n : notes_) page += "<p class=\"muted note\">Note: " + esc(n) + ".</p>\n";
  page += body;
  page += "\n</main><script>" + script + "</script></body></html>\n";
  return page;
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
