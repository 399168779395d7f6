// Any text through a trained tokenizer (tests/fuzz/tokenizer_model/tokenizer.model, a BPE
// model as `primer tokenizer train` makes them): model::Tokenizer::encode goes word by word
// with a per-thread cache, and its ids must be sentencepiece's for the whole text.
#include <fstream>
#include <sstream>

#include "model/tokenizer.h"
#include "tests/fuzz/fuzz.h"

namespace {

const primer::model::Tokenizer& tokenizer() {
  static const primer::model::Tokenizer t = [] {
    const char* path = PRIMER_SOURCE_DIR "/tests/fuzz/tokenizer_model/tokenizer.model";
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto loaded = primer::model::Tokenizer::from_serialized(bytes.str(), path);
    primer::fuzz::require(loaded.encodes_by_word(), "the seed model is one that encodes word by word");
    return loaded;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = primer::fuzz::as_text(data, size);
  std::vector<int> ids, whole;
  tokenizer().encode(text, ids);
  tokenizer().encode_whole(text, whole);
  primer::fuzz::require(ids == whole, "word-by-word ids are those of the whole text");
  return 0;
}
