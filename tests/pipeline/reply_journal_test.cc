// The journal of an unfinished run: the reply journal's segments (what a crash or a stray
// file leaves is read as torn lines, never an exception; what it writes reads back
// unchanged) and journal/state.json.
#include <doctest/doctest.h>

#include "base/json.h"
#include "pipeline/reply_journal.h"
#include "pipeline/run.h"
#include "pipeline/run_state.h"
#include "storage/files.h"
#include "tests/support/testing.h"

using namespace primer;
using pipeline::JournaledReply;
using pipeline::ReplyJournal;

TEST_CASE("hex64: parse_hex64 is its inverse and refuses anything else") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x9f1c}, ~uint64_t{0}}) {
    uint64_t back = 7;
    CHECK(base::parse_hex64(base::hex64(v), back));
    CHECK(back == v);
  }
  uint64_t v = 0;
  CHECK(base::parse_hex64("ABCdef", v));
  CHECK(v == 0xabcdef);
  for (const char* bad : {"", "-1", "0x1f", " 1f", "1f ", "g", "00000000000000001", "+1"}) {
    INFO(bad);
    CHECK_FALSE(base::parse_hex64(bad, v));
  }
}

TEST_CASE("reply journal: a segment's bad lines are counted torn, its good ones kept") {
  const std::string good =
      R"({"index":3,"id":"0","request":"00000000000000ff","text":"Once.","finish_reason":"stop","prompt_tokens":5,"completion_tokens":2})";
  const std::string segment =
      good + "\n" +
      R"({"index":4,"request":"zz","text":"x","finish_reason":"stop","prompt_tokens":1,"completion_tokens":1})"
      "\n"
      R"({"index":5,"request":"","text":"x","finish_reason":"stop","prompt_tokens":1,"completion_tokens":1})"
      "\n"
      R"({"index":6,"request":"-1","text":"x","finish_reason":"stop","prompt_tokens":1,"completion_tokens":1})"
      "\n"
      "not json\n" +
      good.substr(0, 20);  // the torn tail
  std::map<uint64_t, JournaledReply> replies;
  uint64_t torn = 0;
  ReplyJournal::parse_segment(segment, 0, replies, torn);
  CHECK(torn == 5);
  REQUIRE(replies.size() == 1);
  CHECK(replies.at(3).request_hash == 0xff);
  CHECK(replies.at(3).reply.text == "Once.");
  CHECK(replies.at(3).reply.usage.completion_tokens == 2);

  std::map<uint64_t, JournaledReply> again;
  uint64_t torn_again = 0;
  ReplyJournal::parse_segment(ReplyJournal::format_segment(replies), 0, again, torn_again);
  CHECK(torn_again == 0);
  REQUIRE(again.size() == 1);
  CHECK(again.at(3).request_hash == 0xff);
  CHECK(again.at(3).reply.text == "Once.");

  std::map<uint64_t, JournaledReply> later;
  ReplyJournal::parse_segment(segment, 4, later, torn_again);
  CHECK(later.empty());
}

TEST_CASE("reply journal: a stray file of a segment's name length is not a segment") {
  testing::TempDir dir;
  storage::write_file_atomic(dir.path() / "notes.jsonl", "hello\n");
  ReplyJournal journal(dir.path(), 0);  // threw std::invalid_argument from stoull
  CHECK(journal.take_loaded().empty());
  CHECK(journal.torn_lines() == 0);
}

TEST_CASE("run state: a piece out of the output directory is corrupt, not a file to move") {
  pipeline::RunState s;
  s.totals.shards.push_back({"journal/shards/train-00000.jsonl.zst", "train", 1, 10, "ff"});
  s.validation_pieces = {"journal/validation/00000.jsonl"};
  CHECK(pipeline::RunState::parse(s.to_json(), "state.json").validation_pieces == s.validation_pieces);
  for (const char* outside : {"/home/user/notes.txt", "../elsewhere/00000.jsonl"}) {
    pipeline::RunState bad = s;
    bad.rejected_pieces = {outside};
    CHECK_THROWS_WITH_AS(pipeline::RunState::parse(bad.to_json(), "state.json"), doctest::Contains("is corrupt"),
                         pipeline::RunError);
  }
  pipeline::RunState bad = s;
  bad.totals.shards[0].path = "/etc/passwd";
  CHECK_THROWS_AS(pipeline::RunState::parse(bad.to_json(), "state.json"), pipeline::RunError);
}
