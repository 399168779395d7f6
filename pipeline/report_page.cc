#include "pipeline/report_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "base/svg.h"
#include "base/text.h"
#include "storage/sha256.h"

namespace primer::pipeline::report {
namespace fs = std::filesystem;
namespace {

using base::cut_utf8;
namespace report_svg = base::svg;
using base::percent;
using report_svg::esc;
using report_svg::number;

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
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return "'sha256-" + base64(raw) + "'";
}

double share(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : NAN; }

}  // namespace

std::string card(const std::string& label, const std::string& value, const std::string& key) {
  return fmt::format("<div class=\"card\"{}><b>{}</b>{}</div>", key.empty() ? "" : " data-card=\"" + esc(key) + "\"",
                     value, esc(label));
}

// ---------------------------------------------------------------------------------------
// Dataset sections.

namespace {

bool is_dedup(std::string_view filter) {
  return filter == "exact_dedup" || filter == "minhash" || filter == "decontaminate";
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

}  // namespace

std::string funnel_section(const std::optional<storage::Manifest>& manifest, bool from_journal) {
  std::string h = "<section id=\"funnel\"><h2>Funnel</h2>";
  if (!manifest) return h + "<p class=\"muted\">No manifest.json: the funnel is unknown.</p></section>";
  const storage::Manifest& m = *manifest;
  if (from_journal)
    h += "<p class=\"muted\">Counts of the last checkpoint (journal/state.json): the run is unfinished.</p>";
  h += "<div class=\"cards\">";
  h += card("prompts", base::with_commas(m.prompts), "prompts");
  h += card("kept documents", base::with_commas(m.kept), "kept");
  h += card("kept share", percent(share(m.kept, m.prompts)));
  h += card("text", fmt::format("{:.2f} MB", double(m.text_bytes) / 1e6));
  if (m.prompt_tokens || m.completion_tokens)
    h += card("teacher tokens (prompt + completion)", base::with_commas(m.prompt_tokens + m.completion_tokens));
  h += card("cost", fmt::format("${:.4f}", m.cost_usd), "cost");
  if (m.kept && m.cost_usd > 0)
    h += card("cost per 1,000 kept", fmt::format("${:.4f}", 1000 * m.cost_usd / double(m.kept)));
  if (m.tokenizer) h += card("train tokens", base::with_commas(m.split_tokens("train")));
  h += "</div>";

  // Where the documents went: remaining after each stage.
  std::vector<report_svg::Bar> bars;
  bars.push_back({"prompts", double(m.prompts), "100%", 0});
  bars.push_back({"replies", double(m.replies), percent(share(m.replies, m.prompts)), 0});
  for (const auto& f : m.filters)
    bars.push_back({"after " + f.name, double(f.kept), percent(share(f.kept, m.prompts)), is_dedup(f.name) ? 2 : 0});
  bars.push_back({"kept", double(m.kept), percent(share(m.kept, m.prompts)), 3});
  h +=
      "<h3>Documents remaining after each stage</h3>" + report_svg::hbars(bars, "Documents remaining after each stage");
  std::vector<report_svg::Bar> drops;
  for (const auto& f : m.filters)
    for (const auto& d : f.dropped)
      if (d.count) drops.push_back({f.name + ": " + d.reason, double(d.count), percent(share(d.count, m.prompts)), 1});
  if (m.teacher_failures)
    drops.insert(drops.begin(),
                 {"teacher failures", double(m.teacher_failures), percent(share(m.teacher_failures, m.prompts)), 1});
  h += "<h3>Drops by filter and reason</h3>" + (drops.empty()
                                                    ? std::string("<p class=\"muted\">Nothing was dropped.</p>")
                                                    : report_svg::hbars(drops, "Drops by filter and reason"));

  h += "<table class=\"funnel\" id=\"funnel-table\"><thead><tr><th>stage</th><th class=\"num\">documents</th>"
       "<th class=\"num\">of the stage</th><th class=\"num\">of prompts</th></tr></thead><tbody>";
  h += funnel_row("", "prompts", m.prompts, "prompts", 0, m.prompts);
  h += funnel_row("", "replies", m.replies, "replies", m.prompts, m.prompts);
  if (m.teacher_failures)
    h += funnel_row("sub", "teacher failures", m.teacher_failures, "teacher_failures", m.prompts, m.prompts);
  for (const auto& f : m.filters) {
    const std::string cls = is_dedup(f.name) ? "dedup" : "";
    h += funnel_row(cls, "filter <b>" + esc(f.name) + "</b> seen", f.seen, "filter:" + f.name + ":seen", 0, m.prompts);
    for (const auto& d : f.dropped)
      h += funnel_row("sub", "dropped: " + esc(d.reason), d.count, "filter:" + f.name + ":drop:" + d.reason, f.seen,
                      m.prompts);
    h += funnel_row("sub", "kept", f.kept, "filter:" + f.name + ":kept", f.seen, m.prompts);
  }
  h += funnel_row("total", "kept", m.kept, "kept", m.replies, m.prompts);
  h += funnel_row("sub", "train", m.split_records("train"), "train", m.kept, m.prompts);
  h += funnel_row("sub", "validation", m.split_records("validation"), "validation", m.kept, m.prompts);
  h += "</tbody></table>";

  h += "<h3>Tokens and cost</h3><table><tbody>";
  auto kv = [&](const std::string& k, const std::string& v, const std::string& key = "") {
    h += fmt::format("<tr><th>{}</th><td class=\"num\"{}>{}</td></tr>", k,
                     key.empty() ? "" : " data-funnel=\"" + key + "\"", v);
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
    kv("tokenizer",
       esc(fmt::format("{} ({}, {} pieces)", m.tokenizer->path, m.tokenizer->model_type, m.tokenizer->vocab_size)));
    kv("train tokens", base::with_commas(m.split_tokens("train")), "tokens_train");
    kv("validation tokens", base::with_commas(m.split_tokens("validation")), "tokens_validation");
  }
  kv("wall time", fmt::format("{:.1f} s", m.seconds));
  h += "</tbody></table></section>";
  return h;
}

namespace {

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

}  // namespace

// A recipe's slots: each slot's values (the most frequent 30), and how well the records
// cover the combinations of the cover slots.
std::string slots_html(const DatasetScan& s) {
  std::string h = "<h3>Recipe slots</h3>";
  if (!s.cover.empty()) {
    uint64_t possible = 1, min = ~uint64_t(0), max = 0;
    std::string names;
    for (const std::string& c : s.cover) {
      auto it = s.slot_values.find(c);
      possible *= it == s.slot_values.end() ? 0 : it->second.size();
      names += (names.empty() ? "" : " × ") + c;
    }
    for (const auto& [combo, n] : s.cover_combos) min = std::min(min, n), max = std::max(max, n);
    if (s.cover_combos.empty()) min = 0;
    h += fmt::format(
        "<p>Cover set {}: <b>{}</b> of the {} combinations of the values seen occur in the records read ({}), each "
        "{} to {} times.</p>",
        esc(names), base::with_commas(s.cover_combos.size()), base::with_commas(possible),
        percent(share(s.cover_combos.size(), possible)), base::with_commas(min), base::with_commas(max));
  }
  constexpr size_t kTopValues = 30;
  for (const std::string& name : s.slot_names) {
    const auto& values = s.slot_values.at(name);
    std::vector<std::pair<uint64_t, std::string>> sorted;
    for (const auto& [v, n] : values) sorted.emplace_back(n, v);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<report_svg::Bar> bars;
    for (size_t i = 0; i < sorted.size() && i < kTopValues; ++i)
      bars.push_back({sorted[i].second, double(sorted[i].first), percent(share(sorted[i].first, s.with_slots)), 2});
    h += fmt::format("<h4>{}</h4><p class=\"muted\">{} distinct values{}.</p>", esc(name),
                     base::with_commas(values.size()),
                     values.size() > kTopValues ? fmt::format(", the {} most frequent shown", kTopValues) : "");
    h += report_svg::hbars(bars, "Documents per value of " + name);
  }
  return h;
}

std::string distributions_section(const DatasetScan& s, const std::optional<vocab::Vocabulary>& vocab,
                                  const std::string& vocab_name) {
  std::string h = "<section id=\"distributions\"><h2>Distributions</h2>";
  if (!s.records) return h + "<p class=\"muted\">No records could be read.</p></section>";
  h += fmt::format("<p class=\"muted\">From {} records.</p>", base::with_commas(s.records));
  std::vector<uint32_t> words = s.words;
  std::sort(words.begin(), words.end());
  h += "<div class=\"cards\">";
  h += card("words, median", number(percentile(words, 0.5)));
  h += card("words, 10th–90th percentile", number(percentile(words, 0.1)) + "–" + number(percentile(words, 0.9)));
  if (vocab) {
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
  if (vocab) {
    constexpr double kBin = 0.5;  // percent
    constexpr size_t kBins = 21;  // 0 … 10%, then ≥ 10%
    std::vector<uint64_t> counts(kBins, 0);
    for (float r : s.oov_rates) ++counts[std::min(kBins - 1, static_cast<size_t>(100.0 * double(r) / kBin + 1e-9))];
    h += "<div><h3>OOV rate</h3>" +
         report_svg::histogram(counts, 0, kBin, true, "out-of-vocabulary tokens, % of the document's tokens",
                               "OOV rate per document", kHalf) +
         fmt::format("<p class=\"muted\">Against {}.</p></div>", esc(vocab_name));
  }
  h += "</div><div class=\"grid2\">";
  if (s.with_features_field) {
    std::vector<report_svg::Bar> bars;
    for (const auto& [f, n] : s.features) bars.push_back({f, double(n), percent(share(n, s.with_features_field)), 4});
    bars.push_back(
        {"(none requested)", double(s.with_no_features), percent(share(s.with_no_features, s.with_features_field)), 5});
    h += "<div><h3>Features requested</h3>" + report_svg::hbars(bars, "Features requested per document", kHalf) +
         "</div>";
  }
  if (s.with_words) {
    h += "<div><h3>Required words</h3><table><thead><tr><th>word</th><th class=\"num\">in the story</th>"
         "<th class=\"num\">distinct drawn</th><th class=\"num\">in the list</th></tr></thead><tbody>";
    const char* names[3] = {"verb", "noun", "adjective"};
    const vocab::Pos pos[3] = {vocab::Pos::kVerb, vocab::Pos::kNoun, vocab::Pos::kAdj};
    for (int k = 0; k < 3; ++k)
      h += fmt::format(
          "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>", names[k],
          s.words_in_vocab ? percent(share(s.found[k], s.words_in_vocab)) : "–",
          base::with_commas(s.distinct[k].size()), vocab ? base::with_commas(vocab->with_pos(pos[k]).size()) : "–");
    h += fmt::format(
        "<tr class=\"total\"><td>all three</td><td class=\"num\">{}</td><td></td><td></td></tr></tbody></table>",
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
  if (s.with_slots) h += slots_html(s);
  return h + "</section>";
}

std::string oov_section(const DatasetScan& scan, const std::optional<vocab::Vocabulary>& vocab, size_t top_oov) {
  if (!vocab) return "";
  std::string h = "<section id=\"oov\"><h2>Out-of-vocabulary words</h2>";
  if (scan.oov.empty()) return h + "<p>No out-of-vocabulary word in the records read.</p></section>";
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [w, o] : scan.oov) top.emplace_back(o.count, w);
  std::sort(top.begin(), top.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  h += fmt::format("<p class=\"muted\">{} distinct words; the {} most frequent.</p>", base::with_commas(top.size()),
                   std::min(top.size(), top_oov));
  if (top.size() > top_oov) top.resize(top_oov);
  h += "<table id=\"oov-table\"><thead><tr><th>word</th><th class=\"num\">count</th><th class=\"num\">documents</th>"
       "<th>in context</th></tr></thead><tbody>";
  for (const auto& [n, w] : top) {
    const OovWord& o = scan.oov.at(w);
    std::string ctx;
    for (const auto& e : o.examples) ctx += "<div class=\"ctx\">" + e + "</div>";
    h += fmt::format("<tr><td><b>{}</b></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                     esc(cut_utf8(w, kMaxWord)), base::with_commas(o.count), base::with_commas(o.docs), ctx);
  }
  return h + "</tbody></table></section>";
}

std::string samples_section(DatasetScan& scan) {
  std::vector<SampleRow> kept = scan.kept.take(), rejected = scan.rejected.take();
  if (kept.empty() && rejected.empty() && !scan.rejected_files) return "";
  std::string h = "<section id=\"samples\"><h2>Samples</h2>";
  h +=
      "<input id=\"search\" class=\"search\" type=\"search\" placeholder=\"Search the samples (every word must match)…\" "
      "aria-label=\"Search the samples\">";
  h += fmt::format(
      "<h3>Kept documents</h3><p class=\"muted\"><span id=\"kept-samples-count\" data-shown=\"{0}\">{0} of {0} rows "
      "shown</span> · a uniform sample of the records read</p>",
      kept.size());
  h += "<table class=\"samples\" id=\"kept-samples\"><thead><tr><th>document</th><th>text</th></tr></thead><tbody>";
  for (const auto& r : kept) h += r.html;
  h += "</tbody></table>";
  if (scan.rejected_files) {
    h += fmt::format("<h3>Rejected documents</h3><p class=\"muted\">{} records in {} files under rejected/.</p>",
                     base::with_commas(scan.rejected_records), scan.rejected_files);
    h += "<table><thead><tr><th>filter</th><th>reason</th><th class=\"num\">documents</th></tr></thead><tbody>";
    for (const auto& [k, n] : scan.rejected_reasons)
      h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\" data-rejected=\"{}\">{}</td></tr>", esc(k.first),
                       esc(k.second), esc(k.first + ":" + k.second), base::with_commas(n));
    h += "</tbody></table>";
    h += fmt::format(
        "<p class=\"muted\"><span id=\"rejected-samples-count\" data-shown=\"{0}\">{0} of {0} rows shown</span></p>",
        rejected.size());
    h +=
        "<table class=\"samples\" id=\"rejected-samples\"><thead><tr><th>dropped by</th><th>text</th></tr></thead><tbody>";
    for (const auto& r : rejected) h += r.html;
    h += "</tbody></table>";
  }
  return h + "</section>";
}

std::string manifest_section(const std::optional<storage::InspectReport>& inspect,
                             const std::optional<storage::Manifest>& manifest, bool from_journal) {
  std::string h = "<section id=\"manifest\"><h2>Manifest and verify</h2>";
  if (!inspect) {
    h +=
        "<p><span class=\"status bad\" id=\"verify-status\" data-status=\"missing\">NOT VERIFIED</span> no dataset files to check.</p>";
  } else if (!inspect->manifest) {
    h +=
        "<p><span class=\"status bad\" id=\"verify-status\" data-status=\"no-manifest\">NO MANIFEST</span> the shards cannot be "
        "checked against checksums.</p>";
  } else if (!inspect->problems.empty()) {
    h += fmt::format(
        "<p><span class=\"status bad\" id=\"verify-status\" data-status=\"failed\">VERIFY FAILED</span> {} problem{}:</p><ul>",
        inspect->problems.size(), inspect->problems.size() == 1 ? "" : "s");
    for (const auto& p : inspect->problems) h += "<li>" + esc(p) + "</li>";
    h += "</ul>";
  } else if (inspect->verified) {
    h += fmt::format(
        "<p><span class=\"status ok\" id=\"verify-status\" data-status=\"ok\">VERIFIED</span> {} shards{}: sizes, "
        "sha256 and record counts match the manifest.</p>",
        inspect->shards.size(),
        inspect->token_files.empty() ? "" : fmt::format(" and {} token shards", inspect->token_files.size()));
  } else {
    h +=
        "<p><span class=\"status skip\" id=\"verify-status\" data-status=\"skipped\">NOT VERIFIED</span> (verification was "
        "turned off; run <code>primer inspect DIR --verify</code>).</p>";
  }
  if (manifest && !from_journal) {
    const storage::Manifest& m = *manifest;
    h += "<table><tbody>";
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"schema", std::to_string(m.schema)},
                                                                               {"primer version", m.primer_version},
                                                                               {"kind", m.kind},
                                                                               {"teacher", m.teacher},
                                                                               {"config sha256", m.config_hash},
                                                                               {"started", m.started_at},
                                                                               {"finished", m.finished_at}})
      h += fmt::format("<tr><th>{}</th><td>{}</td></tr>", k, esc(v));
    h += "</tbody></table>";
  }
  if (inspect && !inspect->shards.empty()) {
    h +=
        "<h3>Shards</h3><table><thead><tr><th>path</th><th>split</th><th class=\"num\">records</th><th class=\"num\">bytes</th>"
        "<th>sha256 (manifest)</th><th>status</th></tr></thead><tbody>";
    std::map<std::string, std::string> sha;
    if (manifest)
      for (const auto& s : manifest->shards) sha[s.path] = s.sha256.substr(0, 16);
    for (const auto& s : inspect->shards) {
      std::string status = "ok";
      for (const auto& p : inspect->problems)
        if (p.starts_with(s.path + ":")) status = "problem";
      if (!s.exists) status = "MISSING";
      h += fmt::format(
          "<tr><td class=\"path\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"path\">{}</td>"
          "<td>{}</td></tr>",
          esc(s.path), esc(s.split), base::with_commas(s.records), base::with_commas(s.bytes),
          esc(sha.count(s.path) ? sha[s.path] + "…" : ""), status);
    }
    h += "</tbody></table>";
  }
  if (manifest && !manifest->config_json.empty() && manifest->config_json != "{}") {
    std::string pretty = manifest->config_json;
    h += "<details><summary>Run config (as stored in the manifest)</summary><pre>" + esc(pretty) + "</pre></details>";
  }
  return h + "</section>";
}

// ---------------------------------------------------------------------------------------
// The page around the sections.

std::string assemble_page(const fs::path& dir, const ReportSummary& summary, const std::vector<std::string>& notes,
                          const std::string& body) {
  std::string nav;
  for (const auto& [id, label] : std::vector<std::pair<std::string, std::string>>{{"funnel", "Funnel"},
                                                                                  {"distributions", "Distributions"},
                                                                                  {"oov", "OOV words"},
                                                                                  {"samples", "Samples"},
                                                                                  {"manifest", "Manifest"},
                                                                                  {"training", "Training"}})
    if (body.find("<section id=\"" + id + "\"") != std::string::npos)
      nav += fmt::format("<a href=\"#{}\">{}</a>", id, label);

  const std::string style(kStyle), script(kScript);
  std::string page;
  page.reserve(body.size() + 16384);
  page += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src " + csp_hash(style) +
          "; script-src " + csp_hash(script) + "; base-uri 'none'; form-action 'none'\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"primer report\">\n";
  page +=
      "<title>primer report: " + esc(dir.filename().empty() ? dir.string() : dir.filename().string()) + "</title>\n";
  page += "<style>" + style + "</style></head>\n<body data-kind=\"" + summary.kind + "\"><main>\n";
  page += "<header><h1>primer report</h1><div class=\"path\">" + esc(fs::absolute(dir).lexically_normal().string()) +
          "</div><p class=\"muted\">" + esc(summary.kind) + " · generated " + storage::utc_now() + "</p><nav>" + nav +
          "</nav></header>\n";
  if (!summary.problems.empty()) {
    page += fmt::format("<div class=\"problems\" id=\"problems\" data-count=\"{}\"><h2>{} problem{}</h2><ul>",
                        summary.problems.size(), summary.problems.size(), summary.problems.size() == 1 ? "" : "s");
    for (const auto& p : summary.problems) page += "<li>" + esc(p) + "</li>";
    page += "</ul></div>\n";
  }
  for (const auto& n : notes) page += "<p class=\"muted note\">Note: " + esc(n) + ".</p>\n";
  page += body;
  page += "\n</main><script>" + script + "</script></body></html>\n";
  return page;
}

}  // namespace primer::pipeline::report
