// JSON Lines records as `primer filter`, `inspect`, `merge` and `tokenizer` read them:
// storage::for_each_record over a file's bytes (plain or zstd, detected by magic bytes;
// BOM, CRLF and blank lines handled). Built twice: jsonl_records (plain seeds) and shard
// (.jsonl.zst seeds). A bad file may throw StorageError; a bad line is counted. Each
// record is also read back field by field (storage::parse_record, as primer filter and
// the report do) and its text normalised for the dedup filters, whose byte-table paths
// must give ICU's words.
#include <sstream>

#include "filters/text_norm.h"
#include "storage/files.h"
#include "storage/reader.h"
#include "storage/record.h"
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
  return 0;
}
