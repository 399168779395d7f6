// A sentencepiece tokenizer.model (beside a checkpoint or a llama2.c model, or inside a
// GGUF file): model::Tokenizer::from_serialized (its own read of the protobuf decides
// whether encoding may go word by word), then a round of encoding and decoding. Word by
// word or not, the ids are sentencepiece's for the whole text.
#include "model/config.h"
#include "model/tokenizer.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto t = primer::model::Tokenizer::from_serialized(primer::fuzz::as_text(data, size), "tokenizer.model");
    for (const char* text : {"Once upon a time, Lily saw a big dog. \"Hi!\" she said.", "a b\tc\nd 12 ab a"}) {
      std::vector<int> ids, whole;
      t.encode(text, ids);
      t.encode_whole(text, whole);
      primer::fuzz::require(ids == whole, "word-by-word ids are those of the whole text");
      for (int id : ids) primer::fuzz::require(id >= 0 && id < t.vocab_size(), "ids lie in the vocabulary");
      (void)t.decode(ids);
    }
    for (int id = 0; id < t.vocab_size() && id < 64; ++id) (void)t.piece(id);
  } catch (const primer::model::TokenizerError&) {
  } catch (const primer::model::ModelError&) {
  }
  return 0;
}
