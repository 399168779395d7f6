// Word segmentation of scripts written without spaces (vocab::segment_words with and
// without a list that prefers its own words) on any bytes, ill-formed UTF-8 included.
// Properties: no crash; the list only moves word boundaries inside runs (the words
// concatenate to the same bytes either way); both text paths agree; the scores count
// what the segmentation gives; on ASCII input, the 64-byte block segmentation finds the
// byte-by-byte words. On text drawn from an alphabet that NFKC leaves alone,
// every word is a substring of the text, in order ("，" is left out: NFKC makes it ",").
#include <string>
#include <vector>

#include "tests/fuzz/fuzz.h"
#include "vocab/vocabulary.h"

namespace {

using primer::vocab::TextPath;
using primer::vocab::Vocabulary;

const Vocabulary& list() {
  static const Vocabulary v = Vocabulary::parse(
      "# language: zh\n我 func\n有 verb\n一 func\n个 func\n小 adj\n猫 noun\n小猫 noun\n大小 noun\n它 func\n"
      "很 adv\n可爱 adj\n小明 name\nケーキ noun\nを func\nผม func\nกิน verb\n",
      "fuzz-list.txt");
  return v;
}

std::vector<std::string> words(std::string_view text, const Vocabulary* prefer, TextPath path) {
  std::vector<std::string> out;
  primer::vocab::segment_words(
      text, [&](std::string_view w) { out.emplace_back(w); }, nullptr, path, prefer);
  return out;
}

std::string joined(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += x;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using primer::fuzz::require;
  const std::string_view raw = primer::fuzz::as_text(data, size);
  const Vocabulary& v = list();
  const auto with = words(raw, &v, TextPath::kAuto);
  require(joined(with) == joined(words(raw, nullptr, TextPath::kAuto)), "the list moves boundaries only");
  require(with == words(raw, &v, TextPath::kIcuOnly), "both text paths agree");
  for (const auto& w : with) require(!w.empty(), "no empty word");
  const auto c = v.score(raw);
  require(c.tokens == with.size() && c.oov_tokens <= c.tokens, "the score counts the segmented words");
  if (primer::vocab::detail::AsciiWordBlocks::available()) {
    // The input as it is when ASCII, and its bytes as picks from the joining characters.
    static const char kAscii[] = "aZ9'.,  -\n!";
    std::string picks(size, ' ');
    for (size_t i = 0; i < size; ++i) picks[i] = kAscii[data[i] % (sizeof kAscii - 1)];
    for (std::string_view s : {raw, std::string_view(picks)}) {
      if (!primer::vocab::detail::is_ascii(s)) continue;
      std::vector<std::string_view> bytes, blocks;
      auto b = [&](std::string_view w) { bytes.push_back(w); };
      auto k = [&](std::string_view w) { blocks.push_back(w); };
      primer::vocab::detail::segment_ascii_bytes(s, b);
      primer::vocab::detail::segment_ascii_blocks(s, k);
      require(bytes.size() == blocks.size(), "the block segmentation finds as many words as the byte one");
      for (size_t i = 0; i < bytes.size(); ++i)
        require(bytes[i].data() == blocks[i].data() && bytes[i].size() == blocks[i].size(),
                "the block segmentation finds the byte one's words");
    }
  }

  // The same bytes read as picks from an alphabet of NFKC-stable pieces.
  static const char* const kPieces[] = {"我", "有", "一", "个", "小", "猫", "大", "狗", "、", "。", "“", "”",
                                        "ケ", "ー", "キ", "を", "ผม", "กิน", "a",  "B",  "3",  " ",  "'", "."};
  std::string text;
  for (size_t i = 0; i < size; ++i) text += kPieces[data[i] % (sizeof(kPieces) / sizeof(kPieces[0]))];
  size_t at = 0;
  for (const auto& w : words(text, &v, TextPath::kAuto)) {
    const size_t found = text.find(w, at);
    require(found != std::string::npos, "every word is a substring of the text, in order");
    at = found + w.size();
  }
  return 0;
}
