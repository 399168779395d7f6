// The hand-labelled sentences of tests/vocab/data/sentences.txt: every word token's
// lemma, name, number or out-of-vocabulary verdict against the bundled list, on both
// segmentation paths.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/testing.h"
#include "vocab/vocabulary.h"

namespace primer::vocab {
namespace {

struct Labelled {
  size_t line = 0;
  std::string sentence;
  std::vector<std::string> expected;
};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "\u00AD" → the code point's UTF-8.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\\u") == 0 && i + 6 <= s.size()) {
      append_utf8(out, static_cast<uint32_t>(std::stoul(s.substr(i + 2, 4), nullptr, 16)));
      i += 5;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<Labelled> load_sentences() {
  const std::string text = testing::read_file(testing::source_path("tests/vocab/data/sentences.txt"));
  std::vector<Labelled> out;
  for_each_line(text, [&](std::string_view view, size_t line_no) {
    const std::string line(view);
    if (line.empty() || line[0] == '#') return;
    const size_t arrow = line.find(" => ");
    REQUIRE_MESSAGE(arrow != std::string::npos, "sentences.txt:" << line_no << ": no ' => '");
    Labelled l;
    l.line = line_no;
    l.sentence = unescape(line.substr(0, arrow));
    std::string rest = line.substr(arrow + 4);
    size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && rest[i] == ' ') ++i;
      const size_t start = i;
      while (i < rest.size() && rest[i] != ' ') ++i;
      if (i > start) l.expected.push_back(rest.substr(start, i - start));
    }
    out.push_back(std::move(l));
  });
  return out;
}

// What the analysis of one token says, in the notation of the data file.
bool matches(const Vocabulary& v, const Token& t, const std::string& expected, std::string& got) {
  switch (t.kind) {
    case TokenKind::kNumber: got = "#"; break;
    case TokenKind::kOov:
      got.assign(1, '*');
      got.append(t.folded);
      break;
    case TokenKind::kName:
      got.assign("name(");
      got.append(t.folded);
      got.push_back(')');
      break;
    case TokenKind::kWord:
      got.clear();
      for (uint32_t l : t.lemmas) got += (got.empty() ? "" : "|") + v.entry(l).lemma;
      break;
  }
  if (expected == "#") return t.kind == TokenKind::kNumber;
  if (expected[0] == '*') return t.kind == TokenKind::kOov && t.folded == expected.substr(1);
  if (expected[0] >= 'A' && expected[0] <= 'Z') {
    std::string lower = expected;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t.kind == TokenKind::kName &&
           std::string(strip_clitic(t.folded).empty() ? t.folded : strip_clitic(t.folded)) == lower;
  }
  if (t.kind != TokenKind::kWord) return false;
  for (uint32_t l : t.lemmas)
    if (v.entry(l).lemma == expected) return true;
  return false;
}

TEST_CASE("hand-labelled sentences: lemmas, names, numbers and out-of-vocabulary words") {
  const Vocabulary& v = testing::default_vocabulary();
  const auto sentences = load_sentences();
  MESSAGE(sentences.size() << " labelled sentences");
  CHECK(sentences.size() >= 200);
  size_t tokens = 0, oov = 0, names = 0, numbers = 0, non_ascii = 0;
  for (const auto& s : sentences) {
    bool ascii = true;
    for (char c : s.sentence) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    non_ascii += !ascii;
    for (TextPath path : {TextPath::kAuto, TextPath::kIcuOnly}) {
      std::vector<std::string> got;
      size_t k = 0;
      bool ok = true;
      v.for_each_token(
          s.sentence,
          [&](const Token& t) {
            std::string g;
            const bool m = k < s.expected.size() && matches(v, t, s.expected[k], g);
            ok = ok && m;
            std::string shown_token(1, '{');
            shown_token.append(t.text);
            shown_token.append(": ");
            shown_token.append(g);
            shown_token.push_back('}');
            got.push_back(m ? s.expected[k] : shown_token);
            ++k;
          },
          path);
      ok = ok && k == s.expected.size();
      std::string shown;
      for (const auto& g : got) shown += g + " ";
      CHECK_MESSAGE(ok, "sentences.txt:" << s.line << " (" << (path == TextPath::kAuto ? "fast path" : "ICU only")
                                         << "): " << s.sentence << "\n  got: " << shown);
    }
    for (const auto& e : s.expected) {
      ++tokens;
      oov += e[0] == '*';
      numbers += e == "#";
      names += e[0] >= 'A' && e[0] <= 'Z';
    }
    // The conformance score agrees with the labels.
    size_t expected_oov = 0;
    for (const auto& e : s.expected) expected_oov += e[0] == '*';
    const Conformance c = v.score(s.sentence);
    CHECK_MESSAGE(c.tokens == s.expected.size(), "sentences.txt:" << s.line);
    CHECK_MESSAGE(c.oov_tokens == expected_oov, "sentences.txt:" << s.line);
  }
  MESSAGE(tokens << " labelled tokens: " << oov << " out of vocabulary, " << names << " names, " << numbers
                 << " numbers; " << non_ascii << " sentences with non-ASCII text");
  CHECK(oov >= 40);
  CHECK(names >= 30);
  CHECK(non_ascii >= 20);
}

}  // namespace
}  // namespace primer::vocab
