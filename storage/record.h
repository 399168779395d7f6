// The JSON line of one record: "text" first, then the metadata (README, "Dataset
// directory"; docs/architecture.md, "Records and the directory layout"). The writer
// (append_record_json) and its inverse (parse_record, doc_from_record) live here, and so
// do the rewrites a kept or dropped record gets (rejected_by / reject_reason, a
// scrubbed text). Reading lines from shards: storage/reader.h.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/doc.h"
#include "vocab/vocabulary.h"

namespace primer::storage {

// Appends the record's JSON (no trailing newline) to `out`. Returns the number of
// invalid UTF-8 sequences replaced by U+FFFD.
size_t append_record_json(std::string& out, const base::Doc& doc);

// A record line read back: views into the parsed JSON (valid while the parser's
// document is). A member the line lacks, or of another type, is empty; a key that
// appears twice counts once, the first time (as simdjson's lookup by key).
struct RecordFields {
  std::string_view text, id, kind, teacher, prompt;
  std::optional<std::string_view> finish_reason;                     // present, even if ""
  std::string_view topic, audience, style, function, difficulty;     // code kinds
  std::string_view summary, sentence;                                // Instruct records
  std::string_view rejected_by, reject_reason;                       // rejected/ records
  std::optional<uint64_t> index;                                     // a non-negative integer "index"
  bool has_words = false, has_features = false;                      // "words" / "features" are arrays
  size_t words_size = 0;                                             // elements of "words", strings or not
  std::vector<std::string_view> words, features;                     // their string elements
  std::vector<std::pair<std::string_view, std::string_view>> slots;  // recipes: "slots" members with string values
  // Members of no field above (a recipe's reply fields, what a filter attached), in order;
  // the first kMaxOthers.
  static constexpr size_t kMaxOthers = 64;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> others;
};

// Fills `out` (cleared first; its vectors keep their capacity, so a caller that reuses
// one per thread allocates nothing per record) from a record's JSON object.
void parse_record(simdjson::dom::element json, RecordFields& out);

// The id as append_record_json writes it (16 lower-case hex digits); nullopt otherwise.
std::optional<uint64_t> parse_record_id(std::string_view hex);

// What doc_from_record found.
struct DocFromRecord {
  bool has_id = false, has_index = false;  // else the caller derives them (primer filter: from the ordinal)
};
// The inverse of append_record_json for what the filters use: the text, the prompt's id,
// index, kind, text, its words (when the vocabulary lists all three; else no
// required-word check) and features, the teacher and the finish reason; the other
// members as Doc::fields (JSON), so that a filter reading a recipe's reply fields (the
// answer filter) works on records read back from shards.
DocFromRecord doc_from_record(const RecordFields& record, const vocab::Vocabulary& vocab, base::Doc& doc);

// Appends ',"rejected_by":BY,"reject_reason":REASON' (the members a dropped record gets).
void append_rejection(std::string& out, std::string_view by, std::string_view reason);
// Appends the record `line` (a JSON object) with the members of append_rejection added
// last: the rejected records of `primer run`.
void append_rejected_record(std::string& out, std::string_view line, std::string_view by, std::string_view reason);
// The record `line` with "text" replaced by `text` and `extra` (members, each starting
// with ',') right after it, the other members following in their order: the records of
// `primer filter` whose text a filter rewrote, and its rejected records. A line that is
// not a JSON object gives {"text":TEXT EXTRA}.
std::string rewrite_record(std::string_view line, std::string_view text, std::string_view extra);

}  // namespace primer::storage
