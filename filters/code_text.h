// Code inside documents: fenced blocks and a normalised token stream.
//
// extract_code_blocks() finds Markdown fenced blocks (``` or ~~~, three or more, up to
// three spaces of indentation; the closing fence uses the same character and is at least
// as long). The info string's first word is the language ("python", "text", "").
//
// normalize_code_tokens() turns text into words for n-gram hashing (minhash and
// decontaminate with tokens = "code"): identifiers and keywords lower-cased, digit runs
// folded to "0", each operator or bracket a token of its own ("==", "(", ":"), comments
// dropped, string contents split into their words (docstrings count), indentation and
// line breaks ignored. Renaming nothing keeps distinct algorithms apart; ignoring layout
// and comments makes reformatted copies match.
//
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "filters/text_norm.h"

namespace primer::filters {

struct CodeBlock {
  std::string_view lang;  // first word of the info string, lower case as written
  std::string_view code;  // the lines between the fences (view into the text)
  bool closed = true;     // false: the text ended before the closing fence
};

std::vector<CodeBlock> extract_code_blocks(std::string_view text);

// "python", "py", "python3", "py3" (any case).
bool is_python_block(const CodeBlock& block);

void normalize_code_tokens(std::string_view text, NormalizedWords& out);

}  // namespace primer::filters
