// Segmentation on both paths: the ASCII fast path against ICU, Unicode normalisation and
// case folding, and ill-formed UTF-8.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/testing.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

std::vector<std::string> words_of(std::string_view text, TextPath path, uint64_t* invalid = nullptr) {
  std::vector<std::string> out;
  segment_words(
      text, [&](std::string_view w) { out.emplace_back(w); }, invalid, path);
  return out;
}

TEST_CASE("the ASCII fast path and the ICU path give identical tokens on random text") {
  // Random strings over an alphabet chosen to hit every rule: letters, digits,
  // apostrophes, '.', ',', hyphens, spaces, other punctuation, and (in the second half)
  // curly quotes, accented letters and multi-byte punctuation that force mixed text.
  const std::vector<std::string> ascii = {"a", "B", "z", "7", "0", "'", ".", ",", "-", " ", "\n", "!", "\"", "_", "é"};
  std::mt19937_64 rng(42);
  size_t compared = 0, mixed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t alphabet = round < 10000 ? ascii.size() - 1 : ascii.size();
    const int len = static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) {
      if (round >= 10000 && rng() % 7 == 0) {
        static const char* kUnicode[] = {"\xE2\x80\x99", "\xE2\x80\x9C", "\xC3\xA9", "\xE2\x80\x94", "\xEF\xBD\x81"};
        s += kUnicode[rng() % 5];
      } else {
        s += ascii[rng() % alphabet];
      }
    }
    mixed += !detail::is_ascii(s);
    const auto fast = words_of(s, TextPath::kAuto), icu = words_of(s, TextPath::kIcuOnly);
    CAPTURE(s);
    REQUIRE(fast == icu);
    ++compared;
  }
  CHECK(compared == 20000);
  CHECK(mixed > 5000);
}

TEST_CASE("count_words counts what segment_words finds, across 64-byte blocks") {
  // Long random texts over the joining characters, so that apostrophes and number
  // punctuation fall on every block boundary; and texts with non-ASCII (the fallback).
  const std::string alphabet("aZ9'.,  -\n!\0", 12);  // NUL included: a separator
  std::mt19937_64 rng(7);
  for (int round = 0; round < 4000; ++round) {
    std::string s;
    const size_t len = rng() % 400;
    for (size_t k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    if (round % 10 == 9) s.insert(rng() % (s.size() + 1), "\xC3\xA9");
    CAPTURE(s);
    REQUIRE(count_words(s) == static_cast<int64_t>(words_of(s, TextPath::kAuto).size()));
    REQUIRE(count_words(s, TextPath::kIcuOnly) == static_cast<int64_t>(words_of(s, TextPath::kIcuOnly).size()));
  }
  CHECK(count_words("") == 0);
  const std::string edge = std::string(63, ' ') + "a'b " + std::string(60, 'x') + " 1.5 don't";
  CHECK(count_words(edge) == 4);  // "a'b" joins across the block boundary
}

TEST_CASE("the 64-byte block segmentation finds the byte-by-byte words") {
  if (!detail::AsciiWordBlocks::available()) {
    MESSAGE("no AVX2 here (or PRIMER_KERNELS=portable): the byte path is the only one");
    return;
  }
  auto both = [](std::string_view s) {
    std::vector<std::string_view> bytes, blocks;
    auto into = [](std::vector<std::string_view>& out) { return [&out](std::string_view w) { out.push_back(w); }; };
    auto b = into(bytes);
    auto k = into(blocks);
    detail::segment_ascii_bytes(s, b);
    detail::segment_ascii_blocks(s, k);
    return std::pair{bytes, blocks};
  };
  // Texts over the joining characters, so that apostrophes and number punctuation fall
  // on every block boundary, and words that span one or more blocks.
  const std::string alphabet("aZ9'.,  -\n!\0", 12);
  std::mt19937_64 rng(11);
  size_t words = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string s;
    const size_t len = rng() % 300;
    for (size_t k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    if (round % 5 == 0) s.insert(rng() % (s.size() + 1), std::string(64 + rng() % 130, 'w'));  // a long word
    CAPTURE(s);
    const auto [bytes, blocks] = both(s);
    REQUIRE(blocks == bytes);
    for (size_t k = 0; k < bytes.size(); ++k) REQUIRE(blocks[k].data() == bytes[k].data());  // the same bytes
    words += bytes.size();
  }
  CHECK(words > 100000);
  // Joiners on both sides of a block boundary, a word that ends on its last byte, one
  // that is a single byte at the start of a block, and a text that ends inside a word.
  for (const std::string& s :
       {std::string(63, ' ') + "a'b " + std::string(60, 'x') + " 1.5 don't", std::string(62, ' ') + "1.5 x",
        std::string(63, 'a') + "'" + "b", std::string(64, 'a') + " b", std::string(63, ' ') + "9,9",
        std::string(63, ' ') + "'a", std::string(64, ' ') + "z", std::string(127, '7') + ".", std::string(128, 'q')}) {
    CAPTURE(s);
    const auto [bytes, blocks] = both(s);
    CHECK(blocks == bytes);
  }
}

TEST_CASE("segmentation rules") {
  for (TextPath path : {TextPath::kAuto, TextPath::kIcuOnly}) {
    CAPTURE(path == TextPath::kAuto);
    CHECK(words_of("Don't run, Lily's dog!", path) == std::vector<std::string>{"Don't", "run", "Lily's", "dog"});
    CHECK(words_of("a well-known  dog", path) == std::vector<std::string>{"a", "well", "known", "dog"});
    CHECK(words_of("3.5 and 1,000 or 1.2.3, 4. 5,", path) ==
          std::vector<std::string>{"3.5", "and", "1,000", "or", "1.2.3", "4", "5"});
    CHECK(words_of("end.Next a.b 90's rock'n'roll 'quoted' dogs'", path) ==
          std::vector<std::string>{"end", "Next", "a", "b", "90's", "rock'n'roll", "quoted", "dogs"});
    CHECK(words_of("snake_case x__y", path) == std::vector<std::string>{"snake", "case", "x", "y"});
    CHECK(words_of("", path).empty());
    CHECK(words_of(" ... !? \t\n", path).empty());
  }
  CHECK(words_of("\xE2\x80\x9CHi,\xE2\x80\x9D she said. It\xE2\x80\x99s 42.", TextPath::kAuto) ==
        std::vector<std::string>{"Hi", "she", "said", "It\xE2\x80\x99s", "42"});
  CHECK(words_of("wait\xE2\x80\x94no\xE2\x80\xA6 \xC2\xAByes\xC2\xBB caf\xC3\xA9", TextPath::kAuto) ==
        std::vector<std::string>{"wait", "no", "yes", "caf\xC3\xA9"});
  // NFKC: full-width letters and the fi ligature; default-ignorables are dropped.
  CHECK(words_of("\xEF\xBC\xA4\xEF\xBD\x8F\xEF\xBD\x87 \xEF\xAC\x81sh", TextPath::kAuto) ==
        std::vector<std::string>{"Dog", "fish"});
  CHECK(words_of("chil\xC2\xAD"
                 "dren",
                 TextPath::kAuto) == std::vector<std::string>{"children"});
  // Decimal digits of other scripts become ASCII digits; emoji separate words.
  CHECK(words_of("\xD9\xA1\xD9\xA2 dogs\xF0\x9F\x98\x80"
                 "cats",
                 TextPath::kAuto) == std::vector<std::string>{"12", "dogs", "cats"});
}

TEST_CASE("case folding") {
  std::string out;
  fold_word("HeLLo", out);
  CHECK(out == "hello");
  fold_word("Don\xE2\x80\x99t", out);
  CHECK(out == "don't");
  fold_word("Don\xCA\xBCt", out);
  CHECK(out == "don't");
  fold_word("\xC3\x89LAN", out);  // ÉLAN
  CHECK(out == "\xC3\xA9lan");
  fold_word(
      "Stra\xC3\x9F"
      "e",
      out);  // Straße: full case folding
  CHECK(out == "strasse");
  fold_word("", out);
  CHECK(out.empty());
}

TEST_CASE("ill-formed UTF-8 is counted and skipped, never a crash") {
  const Vocabulary& v = testing::default_vocabulary();
  // Stray continuation byte, truncated sequences, overlong encoding, surrogate, 0xFF.
  const std::string bad =
      "the dog\x80 ran \xC3 to \xE2\x80 the \xC0\xAF park \xED\xA0\x80 \xFF"
      "cat";
  for (TextPath path : {TextPath::kAuto, TextPath::kIcuOnly}) {
    uint64_t invalid = 0;
    const auto words = words_of(bad, path, &invalid);
    CHECK(words == std::vector<std::string>{"the", "dog", "ran", "to", "the", "park", "cat"});
    // \x80, \xC3, \xE2\x80 (truncated), \xC0 \xAF, \xED \xA0 \x80, \xFF: each byte
    // that cannot start or continue a well-formed sequence counts once.
    CHECK(invalid == 9);
    const Conformance c = v.score(bad, {}, path);
    CHECK(c.tokens == 7);
    CHECK(c.oov_tokens == 0);
    CHECK(c.invalid_utf8 == 9);
  }
  // Random bytes: no crash, and both paths agree.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    uint64_t a = 0, b = 0;
    CHECK(words_of(s, TextPath::kAuto, &a) == words_of(s, TextPath::kIcuOnly, &b));
    CHECK(a == b);
    const Conformance c = v.score(s);
    CHECK(c.oov_tokens <= c.tokens);
  }
}

TEST_CASE("scores agree between paths on real stories with typographic quotes") {
  const Vocabulary& v = testing::default_vocabulary();
  const std::string text =
      "\xE2\x80\x9CLet\xE2\x80\x99s go to the park,\xE2\x80\x9D said Lily. Tom\xE2\x80\x99s dog didn\xE2\x80\x99t "
      "want to go \xE2\x80\x94 it was raining. The children\xE2\x80\x99s mommy smiled. Quantum!";
  const Conformance a = v.score(text, {}, TextPath::kAuto), b = v.score(text, {}, TextPath::kIcuOnly);
  CHECK(a.tokens == b.tokens);
  CHECK(a.oov_words == b.oov_words);
  CHECK(a.oov_words == std::vector<std::string>{"quantum"});
  CHECK(a.tokens == 21);
}

}  // namespace
}  // namespace primer::vocab
