// The reply journal: every paid reply is made durable as soon as it arrives, so that a
// run killed at any moment never pays twice for a finished request.
//
// journal/replies/NNNNN.jsonl segments hold one JSON line per reply:
//   {"index":17,"id":"9f1c...","request":"<xxh3-64 of the request body>","text":"...",
//    "finish_reason":"stop","prompt_tokens":12,"completion_tokens":345}
// Lines are appended in batches and fdatasync'ed (flush()). A crash can tear only the
// last line of the last segment; reading stops there. Only successful HTTP replies are
// journaled (a truncated one keeps finish_reason "length", so it is never mistaken for
// a complete story); failures are not, so a rerun asks again.
//
// Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/doc.h"

namespace primer::pipeline {

struct JournaledReply {
  uint64_t request_hash = 0;
  base::Reply reply;
};

class ReplyJournal {
 public:
  // Loads the replies with index ≥ `from` from the segments in `dir` (created if
  // missing), rewrites them into one fresh segment, and opens a new segment for appends.
  ReplyJournal(std::filesystem::path dir, uint64_t from);
  ~ReplyJournal();
  ReplyJournal(const ReplyJournal&) = delete;
  ReplyJournal& operator=(const ReplyJournal&) = delete;

  // What the journal held for indices ≥ from when it was opened (moved out once).
  std::map<uint64_t, JournaledReply> take_loaded() { return std::move(loaded_); }
  uint64_t torn_lines() const { return torn_; }

  void append(uint64_t index, uint64_t id, uint64_t request_hash, const base::Reply& reply);
  // One segment's bytes: adds the replies with index ≥ from to `into` (the first line of an
  // index wins) and counts in `torn` the lines that are cut short or not a reply.
  static void parse_segment(std::string_view content, uint64_t from, std::map<uint64_t, JournaledReply>& into,
                            uint64_t& torn);
  // The lines of a segment holding `replies` (parse_segment reads them back unchanged).
  static std::string format_segment(const std::map<uint64_t, JournaledReply>& replies);

  // Writes the buffered lines and fdatasyncs the segment.
  void flush();
  // Everything below `index` is in a checkpoint: closes the segment and deletes the
  // segments whose replies are all below it.
  void retire_below(uint64_t index);

 private:
  void open_segment();
  std::filesystem::path dir_;
  std::map<uint64_t, JournaledReply> loaded_;
  uint64_t torn_ = 0;
  int fd_ = -1;
  uint64_t segment_ = 0;  // number of the open segment
  uint64_t segment_max_ = 0;
  bool segment_empty_ = true;
  std::map<uint64_t, uint64_t> closed_;  // closed segment → its largest index
  std::string buffer_;
};

uint64_t request_hash(std::string_view body);

}  // namespace primer::pipeline
