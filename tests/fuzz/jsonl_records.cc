// JSON Lines records as `primer filter`, `inspect`, `merge` and `tokenizer` read them:
// storage::for_each_record over a file's bytes (plain or zstd, detected by magic bytes;
// BOM, CRLF and blank lines handled). Built twice: jsonl_records (plain seeds) and shard
// (.jsonl.zst seeds). A bad file may throw StorageError; a bad line is counted. Each
// record is also read back field by field (storage::parse_record, as primer filter and
// the report do) and its text normalised for the dedup filters, whose byte-table paths
// must give ICU's words. The lines are also parsed in place, as a LineBlock holds them
// (back to back, kLinePadding after the last), which must read each as a copy does.
#include <sstream>
#include <vector>

#include "filters/text_norm.h"
#include "storage/files.h"
#include "storage/line_blocks.h"
#include "storage/reader.h"
#include "storage/record.h"
#include "storage/shard.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in{std::string(primer::fuzz::as_text(data, size))};
  uint64_t delivered = 0;
  try {
    const auto stats = primer::storage::for_each_record(in, "fuzz.jsonl", [&](const primer::storage::RecordView& r) {
      ++delivered;
      primer::fuzz::require(r.line.find('\n') == std::string_view::npos, "a record is one line");
      int64_t index;
      (void)r.json["index"].get(index);
      thread_local primer::storage::RecordFields fields;
      primer::storage::parse_record(r.json, fields);
      primer::fuzz::require(fields.text == r.text, "parse_record reads the text for_each_record found");
      primer::fuzz::require(fields.words.size() <= fields.words_size, "string words are among the words");
      (void)primer::storage::parse_record_id(fields.id);
      thread_local primer::filters::NormalizedWords fast, icu;
      primer::filters::normalize_words(r.text, fast);
      primer::filters::normalize_words_icu(r.text, icu);
      primer::fuzz::require(fast.text == icu.text && fast.words == icu.words, "normalisation paths agree");
    });
    primer::fuzz::require(stats.records == delivered, "records counted as delivered");
    primer::fuzz::require(stats.lines == stats.records + stats.malformed + stats.blank, "every line is counted once");
    (void)stats.describe_malformed();
  } catch (const primer::storage::StorageError&) {
  }
  // In place (a block) and copied: the same verdict and text for every line.
  std::string bytes;
  std::vector<size_t> ends;
  try {
    std::istringstream again{std::string(primer::fuzz::as_text(data, size))};
    primer::storage::read_lines(again, "fuzz.jsonl", [&](std::string_view line) {
      bytes.append(line);
      ends.push_back(bytes.size());
    });
  } catch (const primer::storage::StorageError&) {
  }
  bytes.append(primer::storage::kLinePadding, ' ');
  thread_local simdjson::dom::parser in_place, copied;
  for (size_t i = 0, begin = 0; i < ends.size(); begin = ends[i++]) {
    const std::string_view line = std::string_view(bytes).substr(begin, ends[i] - begin);
    primer::storage::RecordView a, b;
    const auto va = primer::storage::parse_record_line(in_place, line, a, /*padded=*/true);
    const auto vb = primer::storage::parse_record_line(copied, line, b);
    primer::fuzz::require(va.blank == vb.blank && va.reason == vb.reason && va.why == vb.why,
                          "a line parsed in place gets the verdict of a copy");
    primer::fuzz::require(!va.record() || a.text == b.text, "and the same text");
  }
  return 0;
}
