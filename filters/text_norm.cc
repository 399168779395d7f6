#include "filters/text_norm.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <xxhash.h>

namespace primer::filters {
namespace {

// Byte classes of the ASCII path: 0 separator, 1 letter/other word byte, 2 digit.
struct Table {
  uint8_t cls[128];
  char lower[128];
  constexpr Table() : cls{}, lower{} {
    for (int c = 0; c < 128; ++c) {
      lower[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) cls[c] = 1;
      else if (c >= '0' && c <= '9') cls[c] = 2;
      else cls[c] = 0;
    }
  }
};
constexpr Table kTable{};

class Builder {
 public:
  explicit Builder(NormalizedWords& out) : out_(out) {
    out_.text.clear();
    out_.words.clear();
  }
  void separator() {
    if (in_word_) {
      out_.words.emplace_back(start_, static_cast<uint32_t>(out_.text.size()) - start_);
      in_word_ = false;
    }
    in_digits_ = false;
  }
  void begin() {
    if (!in_word_) {
      if (!out_.text.empty()) out_.text.push_back(' ');
      start_ = static_cast<uint32_t>(out_.text.size());
      in_word_ = true;
    }
  }
  void letter(char c) {
    begin();
    out_.text.push_back(c);
    in_digits_ = false;
  }
  void letters(std::string_view s) {
    begin();
    out_.text.append(s);
    in_digits_ = false;
  }
  void digit() {
    begin();
    if (!in_digits_) out_.text.push_back('0');
    in_digits_ = true;
  }
  void finish() { separator(); }

 private:
  NormalizedWords& out_;
  uint32_t start_ = 0;
  bool in_word_ = false, in_digits_ = false;
};

// Decodes one UTF-8 code point at s[i]; returns its length (0: ill-formed).
size_t decode(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) { cp = c; return 1; }
  if (c >= 0xC2 && c < 0xE0 && i + 1 < s.size() && (b(i + 1) & 0xC0) == 0x80) {
    cp = (c & 0x1Fu) << 6 | (b(i + 1) & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c < 0xF0 && i + 2 < s.size() && (b(i + 1) & 0xC0) == 0x80 && (b(i + 2) & 0xC0) == 0x80) {
    cp = (c & 0x0Fu) << 12 | (b(i + 1) & 0x3Fu) << 6 | (b(i + 2) & 0x3Fu);
    return cp >= 0x800 ? 3 : 0;
  }
  if (c >= 0xF0 && c < 0xF5 && i + 3 < s.size() && (b(i + 1) & 0xC0) == 0x80 && (b(i + 2) & 0xC0) == 0x80 &&
      (b(i + 3) & 0xC0) == 0x80) {
    cp = (c & 0x07u) << 18 | (b(i + 1) & 0x3Fu) << 12 | (b(i + 2) & 0x3Fu) << 6 | (b(i + 3) & 0x3Fu);
    return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

// True if the fast path handles the whole text: ASCII and General Punctuation only.
bool fast_path(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) { ++i; continue; }
    uint32_t cp;
    const size_t n = decode(text, i, cp);
    if (n == 0 || cp < 0x2000 || cp > 0x206F) return false;
    i += n;
  }
  return true;
}

void normalize_icu(std::string_view text, Builder& b) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  s.toLower();  // before NFD: İ → i + dot, which is then dropped with the other marks
  icu::UnicodeString d;
  if (U_SUCCESS(status)) nfd->normalize(s, d, status);
  if (U_FAILURE(status)) d = s;
  char buf[4];
  for (int32_t i = 0; i < d.length();) {
    const UChar32 c = d.char32At(i);
    i += U16_LENGTH(c);
    const int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK) continue;
    if (u_isdigit(c)) { b.digit(); continue; }
    if (u_isalpha(c)) {
      if (c < 0x80) { b.letter(static_cast<char>(c)); continue; }
      int32_t n = 0;
      U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), n, c);
      b.letters(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    b.separator();  // punctuation, symbols, spaces, controls
  }
}

}  // namespace

void normalize_words(std::string_view text, NormalizedWords& out) {
  Builder b(out);
  if (out.text.capacity() < text.size()) out.text.reserve(text.size());
  if (!fast_path(text)) {
    normalize_icu(text, b);
    b.finish();
    return;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      b.separator();  // General Punctuation: dashes, curly quotes, ellipsis, spaces
      continue;
    }
    switch (kTable.cls[c]) {
      case 1: b.letter(kTable.lower[c]); break;
      case 2: b.digit(); break;
      default: b.separator(); break;
    }
  }
  b.finish();
}

void word_ngram_hashes(const NormalizedWords& w, size_t n, std::vector<uint64_t>& out) {
  out.clear();
  const size_t count = w.words.size();
  if (count == 0) return;
  const char* base = w.text.data();
  if (count < n) {
    out.push_back(XXH3_64bits(base, w.text.size()));
    return;
  }
  out.reserve(count - n + 1);
  for (size_t i = 0; i + n <= count; ++i) {
    const uint32_t begin = w.words[i].first;
    const uint32_t end = w.words[i + n - 1].first + w.words[i + n - 1].second;
    out.push_back(XXH3_64bits(base + begin, end - begin));
  }
}

}  // namespace primer::filters

namespace primer::filters {

void split_gopher_words(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !space(text[j])) ++j;
    if (j == i) break;
    std::string_view chunk = text.substr(i, j - i);
    i = j;
    size_t lead = 0;
    while (lead < chunk.size() && is_ascii_punct(chunk[lead])) ++lead;
    if (lead == chunk.size()) {
      out.push_back(chunk);
      continue;
    }
    size_t trail = 0;
    while (trail < chunk.size() - lead && is_ascii_punct(chunk[chunk.size() - 1 - trail])) ++trail;
    if (lead) out.push_back(chunk.substr(0, lead));
    out.push_back(chunk.substr(lead, chunk.size() - lead - trail));
    if (trail) out.push_back(chunk.substr(chunk.size() - trail));
  }
}

}  // namespace primer::filters
