// JSON Lines records as `primer filter`, `inspect`, `merge` and `tokenizer` read them:
// storage::for_each_record over a file's bytes (plain or zstd, detected by magic bytes;
// BOM, CRLF and blank lines handled). Built twice: jsonl_records (plain seeds) and shard
// (.jsonl.zst seeds). A bad file may throw StorageError; a bad line is counted.
#include <sstream>

#include "storage/files.h"
#include "storage/reader.h"
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
    });
    primer::fuzz::require(stats.records == delivered, "records counted as delivered");
    primer::fuzz::require(stats.lines == stats.records + stats.malformed + stats.blank, "every line is counted once");
    (void)stats.describe_malformed();
  } catch (const primer::storage::StorageError&) {
  }
  return 0;
}
