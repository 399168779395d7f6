// storage/layout.h (names, split assignment) and the record reader that inverts
// append_record_json (storage/record.h).
#include <doctest/doctest.h>

#include <simdjson.h>

#include "storage/layout.h"
#include "storage/record.h"
#include "tests/support/testing.h"
#include "vocab/vocabulary.h"

using namespace primer::storage;

TEST_CASE("layout: names formatted and parsed in one place") {
  CHECK(numbered_name("shards/train-", 3, kShardSuffix) == "shards/train-00003.jsonl.zst");
  CHECK(shard_name("candidates", 1, 12) == "candidates-00001-of-00012.jsonl.zst");
  CHECK(data_shard_path("train", 0, 4) == "data/train-00000-of-00004.jsonl.zst");
  CHECK(data_shard_path("validation", 2, 100000) == "data/validation-00002-of-100000.jsonl.zst");
  CHECK(data_shard_glob("validation") == "data/validation-*.jsonl.zst");
  CHECK(rejected_shard_path(7) == "rejected/rejected-00007.jsonl.zst");
  CHECK(token_shard_path("validation", 1) == "tokens/validation-00001.bin");

  CHECK(split_of(data_shard_path("train", 0, 4)) == "train");
  CHECK(split_of("OUT/data/validation-00000-of-00001.jsonl.zst") == "validation");
  CHECK(split_of(token_shard_path("train", 3)) == "train");
  CHECK(split_of("test-00000.jsonl") == "test");
  CHECK(split_of(rejected_shard_path(0)) == "");
  CHECK(split_of("training.jsonl") == "");
  CHECK(is_shard_file("a/b.jsonl.zst"));
  CHECK(is_shard_file("b.jsonl"));
  CHECK_FALSE(is_shard_file("b.json"));
  CHECK(is_token_file(token_shard_path("train", 0)));
  CHECK_FALSE(is_token_file("train-00000.jsonl"));
}

TEST_CASE("layout: the validation split is a function of the id") {
  uint64_t in = 0;
  for (uint64_t id = 1; id <= 20000; ++id) {
    CHECK(in_validation(id, 0.1) == in_validation(id, 0.1));
    in += in_validation(id * 0x9E3779B97F4A7C15ull, 0.1);
    CHECK_FALSE(in_validation(id, 0.0));
  }
  CHECK(in > 1700);
  CHECK(in < 2300);
}

TEST_CASE("records: parse_record and doc_from_record invert append_record_json") {
  const auto vocab = primer::vocab::Vocabulary::load(primer::testing::source_path("vocab/default.txt"));
  primer::base::Doc d;
  d.prompt.id = 0x0123456789abcdefull;
  d.prompt.index = 42;
  d.prompt.kind = "tinystories";
  d.prompt.verb = static_cast<uint32_t>(vocab.find("jump", primer::vocab::Pos::kVerb));
  d.prompt.noun = static_cast<uint32_t>(vocab.find("dog", primer::vocab::Pos::kNoun));
  d.prompt.adjective = static_cast<uint32_t>(vocab.find("big", primer::vocab::Pos::kAdj));
  d.prompt.verb_word = "jump";
  d.prompt.noun_word = "dog";
  d.prompt.adjective_word = "big";
  d.prompt.features.add(primer::base::Feature::kDialogue);
  d.prompt.features.add(primer::base::Feature::kMoralValue);
  d.prompt.text = "Write a story.";
  d.teacher = "builtin";
  d.reply.text = "The big dog can jump.";
  d.reply.finish_reason = "length";
  std::string line;
  append_record_json(line, d);

  simdjson::dom::parser parser;
  simdjson::dom::element json;
  REQUIRE_FALSE(parser.parse(line).get(json));
  RecordFields f;
  parse_record(json, f);
  CHECK(f.text == d.reply.text);
  CHECK(f.id == "0123456789abcdef");
  CHECK(f.index == std::optional<uint64_t>(42));
  CHECK(f.words_size == 3);
  CHECK(f.features.size() == 2);
  CHECK(f.finish_reason == std::optional<std::string_view>("length"));

  primer::base::Doc back;
  const DocFromRecord found = doc_from_record(f, vocab, back);
  CHECK(found.has_id);
  CHECK(found.has_index);
  std::string again;
  append_record_json(again, back);
  CHECK(again == line);
  CHECK(back.prompt.verb == d.prompt.verb);
  CHECK(back.prompt.adjective == d.prompt.adjective);

  // What a record lacks or has of another type stays empty; a repeated key counts once.
  REQUIRE_FALSE(
      parser
          .parse(std::string_view(R"({"text":"t","id":"XYZ","index":-1,"words":["a",1,"b"],)"
                                  R"("kind":7,"text":"second","rejected_by":"vocab","reject_reason":"oov_rate"})"))
          .get(json));
  parse_record(json, f);
  CHECK(f.text == "t");
  CHECK(f.id == "XYZ");
  CHECK_FALSE(f.index);
  CHECK(f.has_words);
  CHECK(f.words_size == 3);
  CHECK(f.words.size() == 2);
  CHECK_FALSE(f.has_features);
  CHECK(f.kind.empty());
  CHECK_FALSE(f.finish_reason);
  CHECK(f.rejected_by == "vocab");
  CHECK(f.reject_reason == "oov_rate");
  primer::base::Doc partial;
  const DocFromRecord none = doc_from_record(f, vocab, partial);
  CHECK_FALSE(none.has_id);
  CHECK_FALSE(none.has_index);
  CHECK(partial.prompt.verb_word.empty());
  CHECK(partial.reply.finish_reason == "stop");
  CHECK_FALSE(parse_record_id("0123456789ABCDEF"));
}

TEST_CASE("records: rejected records and rewrites") {
  std::string out;
  append_rejected_record(out, R"({"text":"hi","id":"x"})", "length", "too_short");
  CHECK(out == R"({"text":"hi","id":"x","rejected_by":"length","reject_reason":"too_short"})");
  std::string extra;
  append_rejection(extra, "regex", "pii");
  CHECK(rewrite_record(R"({"id":"x","text":"a@b.c","n":[1, 2]})", "[EMAIL]", extra) ==
        R"({"text":"[EMAIL]","rejected_by":"regex","reject_reason":"pii","id":"x","n":[1,2]})");
  CHECK(rewrite_record("not json", "t", "") == R"({"text":"t"})");
}
