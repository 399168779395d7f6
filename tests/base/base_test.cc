#include <doctest/doctest.h>

#include <cmath>

#include "base/svg.h"
#include "base/text.h"

using namespace primer::base;
using namespace primer::base::svg;

TEST_CASE("svg: escaping, numbers, thinning, charts without data") {
  CHECK(esc("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  CHECK(number(1234567) == "1,234,567");
  CHECK(number(-42) == "-42");
  CHECK(number(0.012345) == "0.01235");
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i < 1000; ++i) pts.emplace_back(i, i % 2 ? 1.0 : 3.0);
  const auto t = thin(pts, 100);
  REQUIRE(t.size() == 100);
  CHECK(t[0].first == doctest::Approx(4.5));
  CHECK(t[0].second == doctest::Approx(2.0));
  CHECK(thin(pts, 2000).size() == 1000);
  CHECK(lines({}, "x", "y", "empty").find("no data") != std::string::npos);
  const std::string log_chart =
      lines({Series{"loss", {{1, 10}, {2, 1}, {3, 0.1}}, 0, false}}, "step", "loss", "t", true);
  CHECK(log_chart.find("(log scale)") != std::string::npos);
  CHECK(log_chart.find("<polyline") != std::string::npos);
  const std::string h = histogram({0, 0, 0}, 0, 1, false, "x", "all zero");
  CHECK(h.find("<svg") == 0);
  CHECK(h.find("nan") == std::string::npos);
  CHECK(hbars({{"a <b>", 3, "", 0}}, "t").find("a &lt;b&gt;") != std::string::npos);
}

TEST_CASE("svg: bars on a fixed scale with interval whiskers") {
  // kLabel 220, kValue 150 at width 720: the scale 0..10 spans 350 units, 35 per grade.
  const std::string s = hbars({{"fluency", 5, "", 0, 1}, {"beyond", 12, "", 1, 0}}, "grades", 720, 10);
  CHECK(s.find("width=\"175.0\"") != std::string::npos);  // 5 of 10
  CHECK(s.find("width=\"350.0\"") != std::string::npos);  // 12 is drawn at the end of the scale
  // the whisker of 5 ± 1: from 4 to 6, with its two ends
  CHECK(s.find("<line class=\"axis\" x1=\"360.0\" x2=\"430.0\"") != std::string::npos);
  CHECK(s.find("x1=\"430.0\" x2=\"430.0\"") != std::string::npos);
  // without a scale, the largest whisker end is the scale's end
  const std::string auto_scale = hbars({{"a", 3, "", 0, 1}}, "t", 720);
  CHECK(auto_scale.find("width=\"262.5\"") != std::string::npos);  // 3 of 4
  CHECK(hbars({{"a", 3, "", 0}}, "t", 720).find("<line") == std::string::npos);
}

TEST_CASE("svg: a chart as a file of its own") {
  const std::string chart = lines({Series{"train loss", {{1, 3}, {2, 2}}, 0, false}}, "step", "loss", "Loss");
  const std::string file = standalone(chart);
  CHECK(file.starts_with("<svg width=\"720\" height=\"280\" class=\"chart\" viewBox=\"0 0 720 280\""));
  CHECK(file.find("<style>") != std::string::npos);
  CHECK(file.find(".line.s0{stroke:#4e79a7}") != std::string::npos);
  CHECK(file.find("fill=\"white\"") != std::string::npos);
  CHECK(file.find("<polyline class=\"line s0\"") != std::string::npos);
  CHECK(file.ends_with("</svg>\n"));
  CHECK(standalone("not a chart") == "not a chart");
}

TEST_CASE("text: percentages, commas, UTF-8 cuts, case, trimming, joining") {
  CHECK(percent(0.1234) == "12.3%");
  CHECK(percent(0.1234, 2) == "12.34%");
  CHECK(percent(NAN) == "–");
  CHECK(percent(uint64_t{1}, uint64_t{8}) == "12.50%");
  CHECK(percent(uint64_t{1}, uint64_t{0}) == "-");
  CHECK(with_commas(0) == "0");
  CHECK(with_commas(1234567) == "1,234,567");
  CHECK(cut_utf8("abc", 3) == "abc");
  CHECK(cut_utf8("aé", 2) == "a…");  // never half of "é"
  CHECK(ascii_lower("HeLLo É") == "hello É");
  CHECK(trim(" \t a b\r\n") == "a b");
  CHECK(join({"a", "", "b"}, ", ") == "a, , b");
  CHECK(join({}, ", ").empty());
}
