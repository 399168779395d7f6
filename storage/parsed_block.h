// A block of lines (storage/line_blocks.h) whose lines are parsed as records on a
// parallel stage and counted in line order on a serial one, as `primer filter`,
// `tokenizer encode` and the report's scan read shards:
//
//   struct Block : storage::ParsedLineBlock { ...; void clear() override { ...; ParsedLineBlock::clear(); } };
//   // parallel stage
//   for (size_t i = 0; i < b->size(); ++i) {
//     storage::RecordView r;
//     if (b->parse_next(parser, r)) use(r);
//   }
//   // serial stage, in line order
//   b->count_into(stats);
//
// The counts are those of a serial for_each_record over the parsed lines.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <vector>

#include "storage/line_blocks.h"
#include "storage/reader.h"

namespace primer::storage {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);

struct ParsedLineBlock : LineBlock {
  std::vector<LineVerdict> verdicts;  // per line parsed, in order
  std::vector<uint64_t> text_bytes;   // per line parsed: its text's bytes (0 unless a record)

  // Parses the block's next unparsed line (line number verdicts.size()) into `r`, whose
  // views hold until `parser` parses again. True: it is a record.
  bool parse_next(simdjson::dom::parser& parser, RecordView& r) {
    const size_t i = verdicts.size();
    r.line_number = first_line + i + 1;
    // In place: kLinePadding bytes follow the block's last line.
    const LineVerdict& v = verdicts.emplace_back(parse_record_line(parser, line(i), r, /*padded=*/true));
    text_bytes.push_back(v.record() ? r.text.size() : 0);
    return v.record();
  }
  // Counts the parsed lines into `stats`; blocks are counted in file order.
  void count_into(ReadStats& stats) const {
    for (size_t i = 0; i < verdicts.size(); ++i)
      stats.count(first_line + i + 1, line(i).size(), verdicts[i], text_bytes[i]);
  }
  void clear() override {
    verdicts.clear();
    text_bytes.clear();
    LineBlock::clear();
  }
};

}  // namespace primer::storage
