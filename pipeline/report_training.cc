#include "pipeline/report_training.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "base/svg.h"
#include "base/text.h"
#include "pipeline/report_page.h"
#include "storage/files.h"
#include "storage/layout.h"
#include "vocab/vocabulary.h"

namespace primer::pipeline::report {
namespace fs = std::filesystem;

using base::cut_utf8;
namespace report_svg = base::svg;
using report_svg::esc;
using report_svg::number;

std::optional<TrainingRun> load_training(const fs::path& dir, const std::function<void(const std::string&)>& problem) {
  TrainingRun run;
  const fs::path metrics = dir / "metrics.jsonl";
  const bool has_metrics = fs::exists(metrics);
  const bool has_eval = fs::exists(dir / "eval.json");
  // Checkpoints: directories (DIR itself or up to two levels down) with a state.json.
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
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
    c.path = d == dir ? "." : fs::relative(d, dir).string();
    try {
      simdjson::dom::parser parser;
      const std::string text = storage::read_file(p);
      simdjson::dom::element root;
      int64_t step;
      if (!parser.parse(text).get(root) && !root["step"].get_int64().get(step)) c.step = std::to_string(step);
    } catch (const storage::StorageError&) {
    }
    if (fs::exists(d / "model.bin", ec)) c.bytes = fs::file_size(d / "model.bin", ec);
    run.checkpoints.push_back(std::move(c));
  }
  std::sort(run.checkpoints.begin(), run.checkpoints.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.path < b.path; });
  if (!has_metrics && !has_eval && run.checkpoints.empty()) return std::nullopt;
  if (!has_metrics) {
    problem("metrics.jsonl: missing (no loss curves)");
  } else {
    try {
      const std::string text = storage::read_file(metrics);
      simdjson::dom::parser parser;
      uint64_t metrics_malformed = 0, first_bad = 0;
      vocab::for_each_line(text, [&](std::string_view line, size_t line_no) {
        if (line.find_first_not_of(" \t") == std::string_view::npos) return;
        simdjson::dom::object obj;
        if (parser.parse(line).get_object().get(obj)) {
          if (!metrics_malformed++) first_bad = line_no;
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
        if (std::isnan(row.step)) row.step = double(run.metrics.size());
        run.metrics.push_back(row);
      });
      if (metrics_malformed)
        problem(fmt::format("metrics.jsonl: {} malformed line{} skipped (the first: line {})", metrics_malformed,
                            metrics_malformed == 1 ? "" : "s", first_bad));
      if (run.metrics.empty()) problem("metrics.jsonl: no rows");
    } catch (const storage::StorageError& e) {
      problem(std::string("metrics.jsonl: ") + e.what());
    }
  }
  if (has_eval) {
    try {
      run.eval_json = storage::read_file(dir / "eval.json");
    } catch (const storage::StorageError& e) {
      problem(std::string("eval.json: ") + e.what());
    }
  }
  return run;
}

namespace {

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
    h +=
        "<h3>Scores (teacher as judge)</h3><table id=\"eval-scores\"><thead><tr><th>measure</th><th class=\"num\">mean</th>"
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
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>", esc(name),
                       esc(mean), esc(ci), esc(other));
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
    if (k != "scores" && k != "auto")
      rest += fmt::format("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(json_value_text(v)));
  if (!rest.empty()) h += "<h3>Other fields</h3><table><tbody>" + rest + "</tbody></table>";
  if (h.empty()) h = "<p class=\"muted\">eval.json has neither \"scores\" nor \"auto\".</p>";
  return h;
}

}  // namespace

std::string training_section(const TrainingRun& run, const std::function<void(const std::string&)>& problem) {
  std::string h = "<section id=\"training\"><h2>Training</h2>";
  if (!run.metrics.empty()) {
    const MetricRow& last = run.metrics.back();
    double best_val = NAN, best_step = NAN;
    for (const auto& r : run.metrics)
      if (std::isfinite(r.val_loss) && !(r.val_loss >= best_val)) best_val = r.val_loss, best_step = r.step;
    // Throughput: mean over the last half of the rows (warm).
    double tps = 0;
    size_t n = 0;
    for (size_t i = run.metrics.size() / 2; i < run.metrics.size(); ++i)
      if (std::isfinite(run.metrics[i].tokens_per_s)) tps += run.metrics[i].tokens_per_s, ++n;
    h += "<div class=\"cards\">";
    h += card("steps logged", base::with_commas(run.metrics.size()));
    h += card("last step", number(last.step), "last-step");
    double last_loss = NAN;
    for (const auto& r : run.metrics)
      if (std::isfinite(r.loss)) last_loss = r.loss;
    h += card("last loss", number(last_loss), "last-loss");
    if (std::isfinite(best_val))
      h += card(fmt::format("best val loss (step {})", number(best_step)), number(best_val), "best-val-loss");
    if (n) h += card("tokens/s (last half)", number(std::round(tps / double(n))));
    h += "</div>";
    std::vector<report_svg::Series> loss(2);
    loss[0].name = "train loss";
    loss[1].name = "validation loss";
    loss[1].series = 1;
    loss[1].dots = true;
    report_svg::Series lr{"learning rate", {}, 3, false}, speed{"tokens/s", {}, 2, false},
        gflops{"GFLOP/s", {}, 4, false};
    for (const auto& r : run.metrics) {
      if (std::isfinite(r.loss)) loss[0].points.emplace_back(r.step, r.loss);
      if (std::isfinite(r.val_loss)) loss[1].points.emplace_back(r.step, r.val_loss);
      if (std::isfinite(r.lr)) lr.points.emplace_back(r.step, r.lr);
      if (std::isfinite(r.tokens_per_s)) speed.points.emplace_back(r.step, r.tokens_per_s);
      if (std::isfinite(r.gflops)) gflops.points.emplace_back(r.step, r.gflops);
    }
    if (loss[1].points.empty()) loss.pop_back();
    h += "<h3>Loss</h3>" + report_svg::lines(loss, "step", "loss", "Training and validation loss");
    h += "<div class=\"grid2\"><div><h3>Learning rate</h3>" +
         report_svg::lines({lr}, "step", "learning rate", "Learning rate", false, 600, kHalf) +
         "</div><div><h3>Throughput</h3>" +
         report_svg::lines({speed}, "step", "tokens/s", "Tokens per second", false, 600, kHalf) + "</div></div>";
    if (!gflops.points.empty()) h += "<h3>GFLOP/s</h3>" + report_svg::lines({gflops}, "step", "GFLOP/s", "GFLOP/s");
  }
  if (run.eval_json) {
    h += "<h3 id=\"eval\">Evaluation</h3>";
    h += eval_table(*run.eval_json, problem);
  }
  if (!run.checkpoints.empty()) {
    h +=
        "<h3>Checkpoints</h3><table><thead><tr><th>directory</th><th class=\"num\">step</th><th class=\"num\">model.bin bytes</th>"
        "</tr></thead><tbody>";
    for (const auto& c : run.checkpoints)
      h += fmt::format("<tr><td class=\"path\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                       esc(c.path), esc(c.step.empty() ? "?" : c.step), c.bytes ? base::with_commas(c.bytes) : "–");
    h += "</tbody></table>";
  }
  return h + "</section>";
}

}  // namespace primer::pipeline::report
