#include "storage/reader.h"

#include <fmt/format.h>

#include "storage/shard.h"

namespace primer::storage {
namespace {

// Parses one line into `stats` / `fn`. The parser is reused across lines (its buffers
// grow to the longest line and stay).
class LineParser {
 public:
  LineParser(ReadStats& stats, const RecordFn& fn) : stats_(stats), fn_(fn) {}

  void operator()(std::string_view line) {
    const uint64_t number = stats_.lines + 1;
    RecordView r;
    r.line_number = number;
    const LineVerdict v = parse_record_line(parser_, line, r);
    stats_.count(number, line.size(), v, v.record() ? r.text.size() : 0);
    if (v.record()) fn_(r);
  }

 private:
  ReadStats& stats_;
  const RecordFn& fn_;
  simdjson::dom::parser parser_;
};

}  // namespace

LineVerdict parse_record_line(simdjson::dom::parser& parser, std::string_view line, RecordView& r, bool padded) {
  LineVerdict v;
  r.line = line;
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {  // a blank line is no record, nor a bad one
    v.blank = true;
    return v;
  }
  if (auto err = parser.parse(line.data(), line.size(), !padded).get(r.json); err) {
    v.reason = "invalid_json";
    v.why = fmt::format("not valid JSON ({})", simdjson::error_message(err));
  } else if (!r.json.is_object()) {
    v.reason = "not_object";
    v.why = "not a JSON object";
  } else if (r.json["text"].get(r.text)) {
    v.reason = "no_text";
    v.why = "no string \"text\" field";
  }
  return v;
}

void ReadStats::count(uint64_t number, uint64_t line_bytes, const LineVerdict& v, uint64_t text) {
  ++lines;
  bytes += line_bytes + 1;
  if (v.blank) {
    ++blank;
  } else if (v.reason) {
    ++malformed;
    ++malformed_by_reason[v.reason];
    if (malformed_lines.size() < kMaxListed) malformed_lines.push_back(number);
    if (first_error.empty()) first_error = fmt::format("line {}: {}", number, v.why);
  } else {
    ++records;
    text_bytes += text;
  }
}

std::string ReadStats::describe_malformed() const {
  if (malformed == 0) return "";
  std::string list;
  for (uint64_t n : malformed_lines) list += (list.empty() ? "" : ", ") + std::to_string(n);
  if (malformed > malformed_lines.size()) list += ", ...";
  std::string reasons;  // every reason, when there are several: the first error is one of them
  if (malformed_by_reason.size() > 1)
    for (const auto& [reason, n] : malformed_by_reason)
      reasons += fmt::format("{} {} {}", reasons.empty() ? "; by reason:" : ",", reason, n);
  return fmt::format("{} malformed line{} ({}): {}{}", malformed, malformed == 1 ? "" : "s", list, first_error,
                     reasons);
}

ReadStats for_each_record(const std::filesystem::path& path, const RecordFn& fn) {
  ReadStats stats;
  LineParser parse(stats, fn);
  read_lines(path, [&](std::string_view line) { parse(line); });
  return stats;
}

ReadStats for_each_record(std::istream& in, const std::string& name, const RecordFn& fn) {
  ReadStats stats;
  LineParser parse(stats, fn);
  read_lines(in, name, [&](std::string_view line) { parse(line); });
  return stats;
}

ReadStats for_each_record_in(const std::vector<std::string_view>& lines, const RecordFn& fn) {
  ReadStats stats;
  LineParser parse(stats, fn);
  for (auto line : lines) parse(line);
  return stats;
}

}  // namespace primer::storage
