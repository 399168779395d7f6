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
    const uint64_t number = ++stats_.lines;
    stats_.bytes += line.size() + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {  // a blank line is no record, nor a bad one
      ++stats_.blank;
      return;
    }
    RecordView r;
    r.line_number = number;
    r.line = line;
    if (auto err = parser_.parse(line.data(), line.size()).get(r.json); err)
      return malformed(number, "invalid_json", fmt::format("not valid JSON ({})", simdjson::error_message(err)));
    if (!r.json.is_object()) return malformed(number, "not_object", "not a JSON object");
    if (r.json["text"].get(r.text)) return malformed(number, "no_text", "no string \"text\" field");
    ++stats_.records;
    stats_.text_bytes += r.text.size();
    fn_(r);
  }

 private:
  void malformed(uint64_t number, const char* reason, const std::string& why) {
    ++stats_.malformed;
    ++stats_.malformed_by_reason[reason];
    if (stats_.malformed_lines.size() < ReadStats::kMaxListed) stats_.malformed_lines.push_back(number);
    if (stats_.first_error.empty()) stats_.first_error = fmt::format("line {}: {}", number, why);
  }

  ReadStats& stats_;
  const RecordFn& fn_;
  simdjson::dom::parser parser_;
};

}  // namespace

std::string ReadStats::describe_malformed() const {
  if (malformed == 0) return "";
  std::string list;
  for (uint64_t n : malformed_lines) list += (list.empty() ? "" : ", ") + std::to_string(n);
  if (malformed > malformed_lines.size()) list += ", ...";
  std::string reasons;  // every reason, when there are several: the first error is one of them
  if (malformed_by_reason.size() > 1)
    for (const auto& [reason, n] : malformed_by_reason) reasons += fmt::format("{} {} {}", reasons.empty() ? "; by reason:" : ",", reason, n);
  return fmt::format("{} malformed line{} ({}): {}{}", malformed, malformed == 1 ? "" : "s", list, first_error, reasons);
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
