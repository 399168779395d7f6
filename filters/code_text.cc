#include "filters/code_text.h"

namespace primer::filters {
namespace {

bool is_ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// A fence line: up to 3 spaces, then 3+ of ` or ~. Returns the run length (0: none).
size_t fence_run(std::string_view line, char& ch) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return 0;
  ch = line[i];
  size_t n = 0;
  while (i + n < line.size() && line[i + n] == ch) ++n;
  return n >= 3 ? n : 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Three-character, then two-character operators; longest match first.
constexpr std::string_view kOps3[] = {"**=", "//=", ">>=", "<<=", "..."};
constexpr std::string_view kOps2[] = {
    "==", "!=", "<=", ">=", "**", "//", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", ":=", "@="};

}  // namespace

std::vector<CodeBlock> extract_code_blocks(std::string_view text) {
  std::vector<CodeBlock> out;
  size_t pos = 0;
  bool open = false;
  char open_ch = 0;
  size_t open_len = 0, body_start = 0;
  CodeBlock current;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    char ch = 0;
    const size_t run = fence_run(line, ch);
    if (!open && run) {
      open = true;
      open_ch = ch;
      open_len = run;
      const size_t start = line.find(ch) + run;
      std::string_view info = trim(line.substr(start));
      if (ch == '`' && info.find('`') != std::string_view::npos) {  // inline code, not a fence
        open = false;
      } else {
        current = {};
        current.lang = info.substr(0, std::min(info.find_first_of(" \t{"), info.size()));
        body_start = std::min(eol + 1, text.size());
      }
    } else if (open && run >= open_len && ch == open_ch && trim(line.substr(line.find(ch) + run)).empty()) {
      current.code = text.substr(body_start, pos - body_start);
      current.closed = true;
      out.push_back(current);
      open = false;
    }
    pos = eol + 1;
  }
  if (open) {
    current.code = text.substr(body_start);
    current.closed = false;
    out.push_back(current);
  }
  return out;
}

bool is_python_block(const CodeBlock& block) {
  std::string lang(block.lang);
  for (char& c : lang)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lang == "python" || lang == "py" || lang == "python3" || lang == "py3";
}

void normalize_code_tokens(std::string_view text, NormalizedWords& out) {
  out.text.clear();
  out.words.clear();
  auto emit = [&](std::string_view tok, bool lower) {
    if (!out.text.empty()) out.text.push_back(' ');
    const uint32_t start = static_cast<uint32_t>(out.text.size());
    for (char c : tok) out.text.push_back(lower && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    out.words.emplace_back(start, static_cast<uint32_t>(tok.size()));
  };
  // The words of a string literal or prose, as text_norm would give them.
  thread_local NormalizedWords inner;
  auto emit_words = [&](std::string_view s) {
    normalize_words(s, inner);
    for (const auto& [off, len] : inner.words) emit(std::string_view(inner.text).substr(off, len), false);
  };
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\') {
      ++i;
    } else if (c == '#') {  // comment to the end of the line
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      const bool triple = i + 2 < n && text[i + 1] == text[i] && text[i + 2] == text[i];
      const std::string_view quote = text.substr(i, triple ? 3 : 1);
      size_t j = i + quote.size();
      while (j < n && text.substr(j, quote.size()) != quote && (triple || text[j] != '\n'))
        j += text[j] == '\\' ? 2 : 1;
      j = std::min(j, n);
      emit_words(text.substr(i + quote.size(), j - i - quote.size()));
      i = std::min(n, j + quote.size());
    } else if (is_digit(c)) {
      while (i < n && (is_digit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == '_' ||
                       text[i] == 'x' || text[i] == 'e'))
        ++i;
      emit("0", false);
    } else if (is_ident_start(c)) {
      size_t j = i;
      while (j < n &&
             (is_ident_start(static_cast<unsigned char>(text[j])) || is_digit(static_cast<unsigned char>(text[j]))))
        ++j;
      if (c >= 0x80) emit_words(text.substr(i, j - i));  // non-ASCII words: text_norm folds accents
      else emit(text.substr(i, j - i), true);
      i = j;
    } else {
      size_t len = 1;
      for (auto op : kOps3)
        if (text.substr(i, 3) == op) len = 3;
      if (len == 1)
        for (auto op : kOps2)
          if (text.substr(i, 2) == op) len = 2;
      if (text.substr(i, 3) == "```") len = 3;  // fences are one token
      emit(text.substr(i, len), false);
      i += len;
    }
  }
}

}  // namespace primer::filters
