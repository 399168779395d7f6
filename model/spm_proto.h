// Internal to model/tokenizer.cc: what a sentencepiece model's bytes say about how it
// encodes, read straight from the protobuf wire format (sentencepiece installs no header
// for its ModelProto). Tokenizer uses it to decide whether a text may be encoded word by
// word: see Tokenizer::encode.
#pragma once

#include <string_view>

namespace primer::model::detail {

// The ModelProto fields that matter (sentencepiece_model.proto), with proto2's defaults.
struct SpmFacts {
  bool parsed = false;  // false: the bytes are not a protobuf this reader follows
  int model_type = 1;   // TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char
  bool treat_whitespace_as_suffix = false;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
  bool has_charsmap = false;        // NormalizerSpec.precompiled_charsmap: not the identity
  bool user_defined = false;        // a USER_DEFINED piece (matched before BPE, may hold spaces)
  bool space_inside_piece = false;  // a piece with U+2581 past its first character, not all U+2581
  bool space_piece_normal = false;  // "▁" alone is a NORMAL piece
};

// Reads `proto` (a serialized ModelProto). Never throws; bounds-checked throughout.
SpmFacts read_spm_facts(std::string_view proto);

// True when sentencepiece encodes any text without a leading, trailing or doubled space
// (and without a literal U+2581) as the concatenation of the encodings of its
// space-separated words, each encoded alone:
//   - the normalizer only turns ' ' into U+2581 and adds one at the start (identity map,
//     dummy prefix, whitespace kept), so word k of the text is "▁" + word k alone;
//   - BPE merges adjacent symbols only into pieces of the vocabulary, and no piece holds a
//     U+2581 after its first character unless it is all U+2581 (which needs two in a row),
//     so no merge crosses the U+2581 that starts a word, and merges of equal score go
//     left to right, the same order within a word wherever it stands;
//   - "▁" is a known piece, so the unknown pieces sentencepiece joins into one never meet
//     across a word boundary.
// Unigram models are left out: their Viterbi sums scores along the whole text, and a
// float sum with a different prefix can break a near tie the other way.
bool splits_at_spaces(const SpmFacts& facts);

}  // namespace primer::model::detail
