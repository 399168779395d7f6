#include "model/spm_proto.h"

#include <cstdint>

namespace primer::model::detail {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, sentencepiece's escaped space

// One protobuf message's fields, in order. Groups (wire types 3 and 4) are not followed:
// sentencepiece does not use them, so bytes with one are not a model this reader knows.
class Fields {
 public:
  explicit Fields(std::string_view message) : s_(message) {}

  // The next field; false at the end or on malformed bytes (then bad() is true).
  bool next() {
    if (i_ >= s_.size()) return false;
    uint64_t key = 0;
    if (!varint(key)) return fail();
    field = static_cast<uint32_t>(key >> 3);
    type = static_cast<int>(key & 7);
    switch (type) {
      case 0: return varint(value) || fail();
      case 1: return skip(8);
      case 5: return skip(4);
      case 2: {
        uint64_t n = 0;
        if (!varint(n) || n > s_.size() - i_) return fail();
        bytes = s_.substr(i_, static_cast<size_t>(n));
        i_ += static_cast<size_t>(n);
        return true;
      }
      default: return fail();
    }
  }
  bool bad() const { return bad_; }

  uint32_t field = 0;
  int type = 0;
  uint64_t value = 0;      // type 0
  std::string_view bytes;  // type 2

 private:
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && i_ < s_.size(); shift += 7) {
      const auto b = static_cast<unsigned char>(s_[i_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool skip(size_t n) {
    if (n > s_.size() - i_) return fail();
    i_ += n;
    return true;
  }
  bool fail() {
    bad_ = true;
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
  bool bad_ = false;
};

bool all_spaces(std::string_view piece) {
  if (piece.empty() || piece.size() % kSpace.size() != 0) return false;
  for (size_t at = 0; at < piece.size(); at += kSpace.size())
    if (piece.substr(at, kSpace.size()) != kSpace) return false;
  return true;
}

// A SentencePiece message: piece = 1, type = 3 (NORMAL = 1 by default, USER_DEFINED = 4).
bool read_piece(std::string_view bytes, SpmFacts& f) {
  Fields m(bytes);
  std::string_view piece;
  uint64_t type = 1;
  while (m.next()) {
    if (m.field == 1 && m.type == 2) piece = m.bytes;
    else if (m.field == 3 && m.type == 0) type = m.value;
  }
  if (m.bad()) return false;
  if (type == 4) f.user_defined = true;
  if (piece == kSpace && type == 1) f.space_piece_normal = true;
  if (piece.find(kSpace, 1) != std::string_view::npos && !all_spaces(piece)) f.space_inside_piece = true;
  return true;
}

// TrainerSpec: model_type = 3, treat_whitespace_as_suffix = 24.
bool read_trainer(std::string_view bytes, SpmFacts& f) {
  Fields m(bytes);
  while (m.next()) {
    if (m.type != 0) continue;
    if (m.field == 3) f.model_type = static_cast<int>(m.value);
    else if (m.field == 24) f.treat_whitespace_as_suffix = m.value != 0;
  }
  return !m.bad();
}

// NormalizerSpec: precompiled_charsmap = 2, add_dummy_prefix = 3,
// remove_extra_whitespaces = 4, escape_whitespaces = 5.
bool read_normalizer(std::string_view bytes, SpmFacts& f) {
  Fields m(bytes);
  while (m.next()) {
    if (m.field == 2 && m.type == 2) f.has_charsmap = !m.bytes.empty();
    if (m.type != 0) continue;
    if (m.field == 3) f.add_dummy_prefix = m.value != 0;
    else if (m.field == 4) f.remove_extra_whitespaces = m.value != 0;
    else if (m.field == 5) f.escape_whitespaces = m.value != 0;
  }
  return !m.bad();
}

}  // namespace

SpmFacts read_spm_facts(std::string_view proto) {
  SpmFacts f;
  Fields m(proto);
  bool ok = true;
  while (ok && m.next()) {
    if (m.type != 2) continue;
    if (m.field == 1) ok = read_piece(m.bytes, f);
    else if (m.field == 2) ok = read_trainer(m.bytes, f);
    else if (m.field == 3) ok = read_normalizer(m.bytes, f);
  }
  f.parsed = ok && !m.bad();
  return f;
}

bool splits_at_spaces(const SpmFacts& f) {
  return f.parsed && f.model_type == 2 && !f.treat_whitespace_as_suffix && f.add_dummy_prefix &&
         !f.remove_extra_whitespaces && f.escape_whitespaces && !f.has_charsmap && !f.user_defined &&
         !f.space_inside_piece && f.space_piece_normal;
}

}  // namespace primer::model::detail
