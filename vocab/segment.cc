// Word segmentation of non-ASCII text (detail::segment_unicode, see segment_words in
// vocabulary.h) and of scripts written without spaces: ICU's dictionary, or a list's own
// words first (split_listed).
#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "vocab/segment_unicode.h"
#include "vocab/vocabulary.h"

namespace primer::vocab::detail {
namespace {

const icu::Normalizer2& nfkc() {
  static const icu::Normalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* p = icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU: cannot load NFKC data");
    return p;
  }();
  return *n;
}

// ICU's word break iterator for the root locale (its rules send Han, kana and the
// Complex_Context scripts to the CJK, Thai, Lao, Khmer and Burmese dictionaries), one per
// thread: a BreakIterator is not thread-safe, and building one costs tens of microseconds.
// Null if ICU's data cannot give one.
icu::BreakIterator* word_breaker() {
  thread_local std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> b(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) b.reset();
    return b;
  }();
  return breaker.get();
}

}  // namespace

bool is_spaceless_slow(UChar32 c) {
  if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) return true;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode sc = uscript_getScript(c, &status);
  if (U_FAILURE(status)) return false;
  if (sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA) return true;
  if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) return false;
  return uscript_hasScript(c, USCRIPT_HAN) || uscript_hasScript(c, USCRIPT_HIRAGANA) ||
         uscript_hasScript(c, USCRIPT_KATAKANA);
}

void icu_split(std::string_view run, uint32_t base, Pieces& out) {
  icu::BreakIterator* bi = word_breaker();
  UErrorCode status = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;
  if (bi) {
    utext_openUTF8(&ut, run.data(), static_cast<int64_t>(run.size()), &status);
    if (U_SUCCESS(status)) bi->setText(&ut, status);
  }
  if (!bi || U_FAILURE(status)) {
    utext_close(&ut);
    out.emplace_back(base, base + static_cast<uint32_t>(run.size()));
    return;
  }
  // With a UTF-8 UText the boundaries are byte offsets into `run`.
  int32_t start = bi->first();
  for (int32_t end = bi->next(); end != icu::BreakIterator::DONE; start = end, end = bi->next())
    if (end > start) out.emplace_back(base + static_cast<uint32_t>(start), base + static_cast<uint32_t>(end));
  utext_close(&ut);
}

void split_listed(std::string_view run, size_t longest, ListedFn listed, const void* context, Pieces& out) {
  // Scratch reused per thread: code point offsets; where each of ICU's words starts, its
  // end (in code points; 0 elsewhere); per boundary the best cost of the rest of the run
  // and the length (in code points) of the token that starts there.
  struct Cost {
    uint32_t unlisted = 0, tokens = 0;
    bool operator<(const Cost& o) const { return unlisted != o.unlisted ? unlisted < o.unlisted : tokens < o.tokens; }
  };
  thread_local std::vector<int32_t> offsets;
  thread_local std::vector<uint32_t> icu_end, step;
  thread_local std::vector<Cost> best;
  thread_local Pieces icu;
  offsets.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(run.data());
  const auto n = static_cast<int32_t>(run.size());
  for (int32_t i = 0; i < n;) {
    offsets.push_back(i);
    U8_FWD_1(p, i, n);
  }
  offsets.push_back(n);
  const size_t cps = offsets.size() - 1;
  icu.clear();
  icu_split(run, 0, icu);
  icu_end.assign(cps + 1, 0);
  for (size_t k = 0; const auto& [b, e] : icu) {  // both in increasing order
    while (k < cps && offsets[k] < static_cast<int32_t>(b)) ++k;
    size_t k2 = k;
    while (k2 < cps && offsets[k2] < static_cast<int32_t>(e)) ++k2;
    if (offsets[k] == static_cast<int32_t>(b) && offsets[k2] == static_cast<int32_t>(e))
      icu_end[k] = static_cast<uint32_t>(k2);
    k = k2;
  }
  best.assign(cps + 1, Cost{});
  step.assign(cps + 1, 0);
  for (size_t k = cps; k-- > 0;) {
    Cost b{best[k + 1].unlisted + 1, best[k + 1].tokens + 1};  // one code point nothing covers
    uint32_t len = 1;
    if (const size_t e = icu_end[k]; e > k + 1) {  // ICU's word, unlisted, kept whole
      const Cost c{best[e].unlisted + 1, best[e].tokens + 1};
      if (c < b) {
        b = c;
        len = static_cast<uint32_t>(e - k);
      }
    }
    bool found = false;
    for (size_t l = std::min(longest, cps - k); l >= 1; --l) {
      const std::string_view w =
          run.substr(static_cast<size_t>(offsets[k]), static_cast<size_t>(offsets[k + l] - offsets[k]));
      if (!listed(context, w)) continue;
      const Cost c{best[k + l].unlisted, best[k + l].tokens + 1};
      if (found ? c < b : !(b < c)) {  // the first listed word found (the longest) beats a tie
        b = c;
        len = static_cast<uint32_t>(l);
        found = true;
      }
    }
    best[k] = b;
    step[k] = len;
  }
  for (size_t k = 0; k < cps; k += step[k])
    out.emplace_back(static_cast<uint32_t>(offsets[k]), static_cast<uint32_t>(offsets[k + step[k]]));
}

uint64_t segment_unicode(std::string_view s, WordSink sink, void* context, const Vocabulary* prefer) {
  // 1. Ill-formed sequences become U+FFFD (a separator) and are counted; default-
  //    ignorable code points are dropped.
  uint64_t bad = 0;
  std::string clean;
  clean.reserve(s.size() + 8);
  {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const auto n = static_cast<int32_t>(s.size());
    for (int32_t i = 0; i < n;) {
      const int32_t start = i;
      UChar32 c;
      U8_NEXT(p, i, n, c);
      if (c < 0) {
        ++bad;
        clean += "\xEF\xBF\xBD";
        continue;
      }
      if (c >= 0x80 && u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) continue;
      clean.append(s.data() + start, static_cast<size_t>(i - start));
    }
  }
  // 2. NFKC.
  {
    UErrorCode status = U_ZERO_ERROR;
    const icu::StringPiece piece(clean.data(), static_cast<int32_t>(clean.size()));
    if (!nfkc().isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
      std::string out;
      icu::StringByteSink<std::string> bs(&out);
      nfkc().normalizeUTF8(0, piece, bs, nullptr, status);
      if (U_SUCCESS(status)) clean.swap(out);
    }
  }
  // 3. The segmentation rules, on code points.
  const auto* p = reinterpret_cast<const uint8_t*>(clean.data());
  const auto n = static_cast<int32_t>(clean.size());
  // kSpacelessC: a word character of a script written without spaces (is_spaceless).
  enum Cls : uint8_t { kSepC, kWordC, kDigitC, kApoC, kNumPunctC, kSpacelessC };
  // Always inlined: it runs per code point, and out of line it costs the English
  // Unicode path a third of its speed.
  auto cls_at = [&](int32_t i, int32_t & next_i, UChar32 & c) __attribute__((always_inline))->Cls {
    next_i = i;
    U8_NEXT(p, next_i, n, c);
    if (c < 0) return kSepC;
    if (is_apostrophe(c)) return kApoC;
    if (c == '.' || c == ',') return kNumPunctC;
    if (!is_word_char(c)) return kSepC;
    if (U_GET_GC_MASK(c) & U_GC_ND_MASK) return kDigitC;
    return is_spaceless(c) ? kSpacelessC : kWordC;
  };
  std::string word;
  auto append = [&](UChar32 c, Cls k, int32_t from, int32_t to) {
    if (k == kDigitC && c >= 0x80) word.push_back(static_cast<char>('0' + u_charDigitValue(c)));
    else word.append(clean.data() + from, static_cast<size_t>(to - from));
  };
  int32_t i = 0;
  while (i < n) {
    int32_t j;
    UChar32 c;
    Cls k = cls_at(i, j, c);
    if (k == kSpacelessC) {
      // A run of it, cut into words by the list or by ICU's dictionary.
      const int32_t start = i;
      i = j;
      while (i < n && cls_at(i, j, c) == kSpacelessC) i = j;
      const std::string_view run(clean.data() + start, static_cast<size_t>(i - start));
      if (prefer) {
        prefer->split_spaceless(run, sink, context);
      } else {
        std::vector<std::pair<uint32_t, uint32_t>> pieces;
        icu_split(run, 0, pieces);
        for (const auto& [b, e] : pieces) sink(context, run.substr(b, e - b));
      }
      continue;
    }
    if (k != kWordC && k != kDigitC) {
      i = j;
      continue;
    }
    word.clear();
    append(c, k, i, j);
    Cls prev = k;
    i = j;
    while (i < n) {
      k = cls_at(i, j, c);
      if (k == kWordC || k == kDigitC) {
        append(c, k, i, j);
        prev = k;
        i = j;
        continue;
      }
      if ((k == kApoC || k == kNumPunctC) && j < n) {
        int32_t j2;
        UChar32 c2;
        const Cls next = cls_at(j, j2, c2);
        const bool joins = k == kApoC ? (next == kWordC || next == kDigitC) : (prev == kDigitC && next == kDigitC);
        if (joins) {
          word.append(clean.data() + i, static_cast<size_t>(j - i));
          append(c2, next, j, j2);
          prev = next;
          i = j2;
          continue;
        }
      }
      break;
    }
    sink(context, word);
  }
  return bad;
}

}  // namespace primer::vocab::detail
