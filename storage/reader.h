// The streaming record reader every command that reads shards uses: a .jsonl.zst (or
// .jsonl) file is decompressed in blocks (constant memory; zstd or not by its first
// bytes, see read_lines) and each line is parsed with simdjson. A line that is not a JSON
// object with a string "text" is not fatal: it is counted as malformed, by reason and with
// its line number, and skipped. Blank lines are skipped and counted apart.
//
//   ReadStats st = storage::for_each_record(path, [&](const RecordView& r) {
//     use(r.text);                         // views valid during the call only
//     int64_t index; if (!r.json["index"].get(index)) ...
//   });
//   if (st.malformed) warn(st.describe_malformed());
//
// A corrupt or truncated zstd stream, or an unreadable file, throws StorageError naming
// the file (the records before the damage have been delivered by then). Not thread-safe
// per call; calls on different files may run in parallel.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace primer::storage {

struct RecordView {
  uint64_t line_number = 0;     // 1-based
  std::string_view line;        // the raw JSON line, without '\n'
  std::string_view text;        // the record's "text"
  simdjson::dom::element json;  // the whole object
};

// One line classified, for callers that parse lines on several threads (one parser
// each) and count them in line order (primer filter): parse_record_line() fills `r` (its
// views valid until the parser parses again) and says what the line is; ReadStats::count
// adds it, exactly as for_each_record counts.
struct LineVerdict {
  bool blank = false;            // empty or whitespace only
  const char* reason = nullptr;  // malformed: "invalid_json", "not_object", "no_text"
  std::string why;               // malformed: what the error line says
  bool record() const { return !blank && !reason; }
};
struct ReadStats {
  static constexpr size_t kMaxListed = 20;
  uint64_t lines = 0;      // lines seen (records + malformed + blank)
  uint64_t records = 0;    // well-formed records delivered to the callback
  uint64_t malformed = 0;  // lines skipped as bad
  uint64_t blank = 0;      // empty or whitespace-only lines, skipped (not malformed)
  // malformed lines per reason: "invalid_json", "not_object", "no_text" (no string "text")
  std::map<std::string, uint64_t> malformed_by_reason;
  uint64_t bytes = 0;                     // uncompressed bytes, newlines included
  uint64_t text_bytes = 0;                // bytes of the "text" fields of the records
  std::vector<uint64_t> malformed_lines;  // the first kMaxListed line numbers
  std::string first_error;                // why the first malformed line was skipped

  // "3 malformed lines (17, 240, 1022): line 17: not valid JSON (TAPE_ERROR)", and with
  // several reasons "...; by reason: invalid_json 2, no_text 1"; "" if none.
  std::string describe_malformed() const;
  // Counts line `number` (1-based, in order) of `line_bytes` bytes without its '\n';
  // `text_bytes`: the record's text, when it is one.
  void count(uint64_t number, uint64_t line_bytes, const LineVerdict& v, uint64_t text_bytes);
};

// padded: at least simdjson::SIMDJSON_PADDING readable bytes follow `line` (a LineBlock's
// line): it is parsed in place instead of copied.
LineVerdict parse_record_line(simdjson::dom::parser& parser, std::string_view line, RecordView& r, bool padded = false);

using RecordFn = std::function<void(const RecordView&)>;

ReadStats for_each_record(const std::filesystem::path& path, const RecordFn& fn);
// The same over an open stream (the bytes of a file held in memory); `name` names it in errors.
ReadStats for_each_record(std::istream& in, const std::string& name, const RecordFn& fn);

// The same over lines already in memory (one record per element), for tests and tools.
ReadStats for_each_record_in(const std::vector<std::string_view>& lines, const RecordFn& fn);

}  // namespace primer::storage
