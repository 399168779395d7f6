#include "base/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/text.h"

namespace primer::base::svg {
namespace {

// Chart geometry (SVG user units; the viewBox scales them to the page width).
constexpr double kLeft = 64, kRight = 16, kTop = 28, kBottom = 40;

std::string open_svg(double width, double height, std::string_view title) {
  return fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<title>{}</title>",
      width, height, esc(title));
}

// A "nice" tick step (1, 2 or 5 times a power of ten) for about `n` ticks over `range`.
double nice_step(double range, int n) {
  if (!(range > 0)) return 1;
  const double raw = range / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:g}k", v / 1e3);
  if (a >= 1) return fmt::format("{:g}", std::round(v * 1000) / 1000);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string number(double v) {
  if (!std::isfinite(v)) return "–";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::string s = base::with_commas(static_cast<uint64_t>(std::fabs(v)));
    return v < 0 ? fmt::format("-{}", s) : s;
  }
  if (std::fabs(v) >= 100) return fmt::format("{:.1f}", v);
  return fmt::format("{:.4g}", v);
}

std::string hbars(const std::vector<Bar>& bars, std::string_view title, double chart_w, double scale_max) {
  constexpr double kRow = 22;
  const double kLabel = chart_w < 600 ? 150 : 220, kValue = chart_w < 600 ? 110 : 150;
  const double height = kRow * double(bars.size()) + 8;
  double max = scale_max;
  if (max <= 0)
    for (const auto& b : bars) max = std::max(max, b.value + std::max(b.error, 0.0));
  const double span = chart_w - kLabel - kValue;
  auto x_of = [&](double v) { return max > 0 ? span * std::clamp(v, 0.0, max) / max : 0; };
  std::string s = open_svg(chart_w, height, title);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = 4 + kRow * double(i);
    const double w = x_of(b.value);
    const size_t max_chars = static_cast<size_t>(kLabel / 6.5);
    std::string label = b.label.size() > max_chars ? b.label.substr(0, max_chars - 1) + "…" : b.label;
    s += fmt::format("<text class=\"label\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", kLabel - 8, y + 15,
                     esc(label));
    s += fmt::format(
        "<rect class=\"s{}\" x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\"><title>{}: {}</title></rect>",
        b.series % 6, kLabel, y + 3, std::max(w, b.value > 0 ? 1.0 : 0.0), kRow - 6, esc(b.label), number(b.value));
    double text_x = kLabel + w + 6;
    if (b.error > 0) {
      const double x0 = kLabel + x_of(b.value - b.error), x1 = kLabel + x_of(b.value + b.error);
      s += fmt::format(
          "<line class=\"axis\" x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/>"
          "<line class=\"axis\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{3:.1f}\" y2=\"{4:.1f}\"/>"
          "<line class=\"axis\" x1=\"{1:.1f}\" x2=\"{1:.1f}\" y1=\"{3:.1f}\" y2=\"{4:.1f}\"/>",
          x0, x1, y + kRow / 2, y + 6, y + kRow - 6);
      text_x = std::max(text_x, x1 + 6);
    }
    s += fmt::format("<text class=\"value\" x=\"{:.1f}\" y=\"{:.1f}\">{}{}</text>", text_x, y + 15, number(b.value),
                     b.note.empty() ? "" : " (" + esc(b.note) + ")");
  }
  return s + "</svg>";
}

std::string histogram(const std::vector<uint64_t>& counts, double lo, double width, bool last_open,
                      std::string_view x_label, std::string_view title, double chart_w) {
  constexpr double kHeight = 200;
  const double plot_w = chart_w - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  uint64_t max = 0;
  for (auto c : counts) max = std::max(max, c);
  std::string s = open_svg(chart_w, kHeight, title);
  const double step = nice_step(double(max), 4);
  for (double t = 0; max > 0 && t <= double(max) + 1e-9; t += step) {
    const double y = kTop + plot_h - plot_h * t / double(max);
    s += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft, chart_w - kRight,
                     y, y);
    s += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", kLeft - 6, y + 4,
                     tick_label(t));
  }
  const size_t n = std::max<size_t>(counts.size(), 1);
  const double bw = plot_w / double(n);
  const size_t label_every = std::max<size_t>(1, n / 10);
  for (size_t i = 0; i < counts.size(); ++i) {
    const double h = max ? plot_h * double(counts[i]) / double(max) : 0;
    const double x = kLeft + bw * double(i);
    const double from = lo + width * double(i);
    const std::string range = last_open && i + 1 == counts.size() ? "≥ " + tick_label(from)
                                                                  : tick_label(from) + "–" + tick_label(from + width);
    s += fmt::format(
        "<rect class=\"s0\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"><title>{}: {}</title></rect>",
        x + 1, kTop + plot_h - h, std::max(bw - 2, 1.0), h, esc(range), number(double(counts[i])));
    if (i % label_every == 0)
      s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}{}</text>", x + bw / 2,
                       kTop + plot_h + 16, last_open && i + 1 == counts.size() ? "≥" : "", tick_label(from));
  }
  s += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", kLeft, chart_w - kRight,
                   kTop + plot_h, kTop + plot_h);
  s += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", kLeft + plot_w / 2,
                   kHeight - 6, esc(x_label));
  s += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"16\">documents</text>", kLeft - 50);
  return s + "</svg>";
}

std::vector<std::pair<double, double>> thin(const std::vector<std::pair<double, double>>& points, size_t max_points) {
  if (max_points == 0 || points.size() <= max_points) return points;
  std::vector<std::pair<double, double>> out;
  out.reserve(max_points);
  for (size_t b = 0; b < max_points; ++b) {
    const size_t from = points.size() * b / max_points, to = points.size() * (b + 1) / max_points;
    double x = 0, y = 0;
    for (size_t i = from; i < to; ++i) x += points[i].first, y += points[i].second;
    const double n = double(to - from);
    if (n > 0) out.emplace_back(x / n, y / n);
  }
  return out;
}

std::string lines(const std::vector<Series>& series, std::string_view x_label, std::string_view y_label,
                  std::string_view title, bool log_y, size_t max_points, double chart_w) {
  const double kHeight = chart_w < 600 ? 240 : 280;
  const double plot_w = chart_w - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  std::vector<std::vector<std::pair<double, double>>> thinned;
  for (const auto& se : series) {
    auto pts = thin(se.points, max_points);
    std::erase_if(pts, [&](const auto& p) {
      return !std::isfinite(p.first) || !std::isfinite(p.second) || (log_y && p.second <= 0);
    });
    for (const auto& [x, y] : pts) {
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      const double ty = log_y ? std::log10(y) : y;
      y0 = std::min(y0, ty), y1 = std::max(y1, ty);
    }
    thinned.push_back(std::move(pts));
  }
  std::string s = open_svg(chart_w, kHeight, title);
  if (!(x0 <= x1)) {
    s += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text>", chart_w / 2,
                     kHeight / 2);
    return s + "</svg>";
  }
  if (x1 == x0) x1 = x0 + 1;
  if (!log_y && y0 > 0 && y0 < 0.3 * y1) y0 = 0;  // anchor at zero when it costs little room
  if (y1 == y0) y1 = y0 + (y0 == 0 ? 1 : std::fabs(y0) * 0.1);
  const double pad = (y1 - y0) * 0.05;
  if (y0 != 0 || log_y) y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return kLeft + plot_w * (x - x0) / (x1 - x0); };
  auto py = [&](double y) { return kTop + plot_h - plot_h * ((log_y ? std::log10(y) : y) - y0) / (y1 - y0); };
  // Grid and y ticks.
  if (log_y) {
    for (int e = static_cast<int>(std::floor(y0)); e <= static_cast<int>(std::ceil(y1)); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        const double lv = std::log10(v);
        if (lv < y0 || lv > y1) continue;
        const double y = py(v);
        s += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft,
                         chart_w - kRight, y, y);
        s += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", kLeft - 6, y + 4,
                         tick_label(v));
      }
  } else {
    const double step = nice_step(y1 - y0, 5);
    for (double t = std::ceil(y0 / step) * step; t <= y1 + 1e-12; t += step) {
      const double y = py(t);
      s += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft,
                       chart_w - kRight, y, y);
      s += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", kLeft - 6, y + 4,
                       tick_label(std::fabs(t) < step * 1e-9 ? 0 : t));
    }
  }
  const double xstep = nice_step(x1 - x0, 6);
  for (double t = std::ceil(x0 / xstep) * xstep; t <= x1 + 1e-12; t += xstep)
    s += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", px(t),
                     kTop + plot_h + 16, tick_label(t));
  s += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", kLeft, chart_w - kRight,
                   kTop + plot_h, kTop + plot_h);
  s += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", kLeft, kLeft, kTop, kTop + plot_h);
  s += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", kLeft + plot_w / 2,
                   kHeight - 6, esc(x_label));
  s +=
      fmt::format("<text class=\"axis-label\" x=\"4\" y=\"16\">{}{}</text>", esc(y_label), log_y ? " (log scale)" : "");
  // Series and legend.
  double legend_x = chart_w - kRight;
  for (size_t k = series.size(); k-- > 0;) {
    const auto& pts = thinned[k];
    const int cls = series[k].series % 6;
    if (!pts.empty()) {
      std::string d;
      for (const auto& [x, y] : pts) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "" : " ", px(x), py(y));
      s += fmt::format("<polyline class=\"line s{}\" points=\"{}\"/>", cls, d);
      if (series[k].dots)
        for (const auto& [x, y] : pts)
          s += fmt::format(
              "<circle class=\"s{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\"><title>{}: {} at {}</title></circle>", cls,
              px(x), py(y), esc(series[k].name), number(y), number(x));
    }
    const double w = 14 + 7.0 * double(series[k].name.size());
    legend_x -= w + 12;
    s += fmt::format("<rect class=\"s{}\" x=\"{:.1f}\" y=\"8\" width=\"10\" height=\"10\"/>", cls, legend_x);
    s += fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"17\">{}</text>", legend_x + 14, esc(series[k].name));
  }
  return s + "</svg>";
}

std::string standalone(std::string_view chart) {
  // The report page's chart colours (pipeline/report.cc), with its --fg and --muted.
  static constexpr std::string_view kStyle =
      "<style>text{font:12px sans-serif;fill:#1d232a}.tick{fill:#5b6570;font-size:11px}.axis{stroke:#8a949e}"
      ".grid{stroke:#e8ecef}.value{fill:#5b6570}.s0{fill:#4e79a7}.s1{fill:#e15759}.s2{fill:#f28e2b}.s3{fill:#59a14f}"
      ".s4{fill:#b07aa1}.s5{fill:#9c755f}.line{fill:none;stroke-width:1.6}.line.s0{stroke:#4e79a7}"
      ".line.s1{stroke:#e15759}.line.s2{stroke:#f28e2b}.line.s3{stroke:#59a14f}.line.s4{stroke:#b07aa1}"
      ".line.s5{stroke:#9c755f}</style>";
  // open_svg's "<svg class=\"chart\" viewBox=\"0 0 W H\" ...>": the file gets W and H as its size.
  const size_t open_end = chart.find('>');
  const size_t vb = chart.find("viewBox=\"0 0 ");
  if (open_end == std::string_view::npos || vb == std::string_view::npos || vb > open_end) return std::string(chart);
  const std::string_view dims = chart.substr(vb + 13, chart.find('"', vb + 13) - (vb + 13));
  const std::string_view w = dims.substr(0, dims.find(' ')), h = dims.substr(dims.find(' ') + 1);
  return fmt::format("<svg width=\"{}\" height=\"{}\"{}{}<rect width=\"100%\" height=\"100%\" fill=\"white\"/>{}\n", w,
                     h, chart.substr(4, open_end - 3), kStyle, chart.substr(open_end + 1));
}

}  // namespace primer::base::svg
