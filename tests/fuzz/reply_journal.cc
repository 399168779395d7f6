// A segment of the reply journal (journal/replies/NNNNN.jsonl, read when a run resumes):
// pipeline::ReplyJournal::parse_segment. It never throws (bad lines are counted torn), and
// the replies it keeps write back and read again unchanged.
#include "pipeline/reply_journal.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using primer::pipeline::JournaledReply;
  using primer::pipeline::ReplyJournal;
  std::map<uint64_t, JournaledReply> replies, again;
  uint64_t torn = 0, torn_again = 0;
  ReplyJournal::parse_segment(primer::fuzz::as_text(data, size), 0, replies, torn);
  ReplyJournal::parse_segment(ReplyJournal::format_segment(replies), 0, again, torn_again);
  primer::fuzz::require(torn_again == 0 && again.size() == replies.size(), "every reply reads back");
  for (const auto& [index, j] : replies) {
    const JournaledReply& k = again.at(index);
    primer::fuzz::require(k.request_hash == j.request_hash && k.reply.text == j.reply.text &&
                              k.reply.finish_reason == j.reply.finish_reason &&
                              k.reply.usage.prompt_tokens == j.reply.usage.prompt_tokens &&
                              k.reply.usage.completion_tokens == j.reply.usage.completion_tokens,
                          "a reply reads back unchanged");
  }
  return 0;
}
