// primer's one SVG chart writer: horizontal bars, histograms and line charts, for the
// pages of `primer report` and the files beside a checkpoint (loss.svg). Every chart is a
// complete <svg> element with a viewBox (it scales with the page and prints), its own
// <title> for screen readers, and no style attributes (the report's Content-Security-
// Policy admits only its own <style> element). Colours come from CSS classes (s0..s5 for
// series, bar, axis, grid): the report page's stylesheet, or the one standalone() puts
// into a chart that is a file of its own.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace primer::base::svg {

// Text for HTML element content and attribute values (& < > " ').
std::string esc(std::string_view text);
// 1234567 → "1,234,567"; 0.0123 → "0.0123"; short, for labels.
std::string number(double v);

struct Bar {
  std::string label;
  double value = 0;
  std::string note;  // printed after the value ("12.3%"); may be empty
  int series = 0;    // colour class s0..s5
  double error = 0;  // > 0: a whisker from value - error to value + error (an interval)
};
// Horizontal bars, one per row, labels on the left, values on the right. The bars' scale
// runs from 0 to `scale_max` (0: the largest value or whisker end); a value beyond it is
// drawn at its end.
std::string hbars(const std::vector<Bar>& bars, std::string_view title, double svg_width = 720, double scale_max = 0);

// A histogram: counts[i] is the number of values in [lo + i*width, lo + (i+1)*width);
// the last bin may be open ("≥"). x_label names the unit. `svg_width` in user units (a
// chart in half a page column looks best at about 480).
std::string histogram(const std::vector<uint64_t>& counts, double lo, double width, bool last_open,
                      std::string_view x_label, std::string_view title, double svg_width = 720);

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
  int series = 0;                                 // colour class s0..s5
  bool dots = false;                              // draw points (sparse series: validation)
};
// Line chart with axes, ticks and a legend. Series with more than `max_points` points are
// thinned to bucket means (the page stays small). log_y: logarithmic y axis (y > 0).
std::string lines(const std::vector<Series>& series, std::string_view x_label, std::string_view y_label,
                  std::string_view title, bool log_y = false, size_t max_points = 600, double svg_width = 720);

// A chart as a file of its own (loss.svg): its width and height, a white background, and
// a <style> element with the colours that the report page's stylesheet gives it.
std::string standalone(std::string_view chart);

// Bucket means: at most `max_points` points, each the mean x and y of a run of points.
std::vector<std::pair<double, double>> thin(const std::vector<std::pair<double, double>>& points, size_t max_points);

}  // namespace primer::base::svg
