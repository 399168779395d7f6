// The `reply` filter: reads a recipe's reply (prompts/recipe.h, [reply]) into the record's
// text and fields. The pipeline puts it first in the chain of every recipe run (it is not
// a [[filters]] kind of its own); records of other kinds pass untouched.
//
//   format     the record's "text"              Doc::fields (name, JSON value), declared order
//   text       the whole reply                  none
//   json       the `text` field's string        every field: a string as a JSON string,
//                                               anything else as its JSON text
//   sections   the `text` section               every section, as a JSON string
//
// A JSON reply is the first JSON object in it that has every field (bare, in a ```json
// fence, or with prose around it); keys match case-insensitively. A sections reply has a
// heading line per field: "Title: ...", "**Title:** ...", "## Title" (any level, an
// optional ':' after it); the value runs to the next heading of a declared field, and
// text before the first heading (a preamble) is ignored. A field named twice keeps its
// first value.
//
//   drop "not_json"       json: no JSON object in the reply
//   drop "no_sections"    sections: no heading of a declared field
//   drop "missing_field"  a declared field is absent (or null)
//   drop "empty_text"     the text is empty, or the text field is not a string
//   drop "missing_word"   the text does not use a `require = true` slot's word in any
//                         inflection (checked with the run's [vocab] list)
//
// Thread-safe; parse_recipe_reply is a pure function (fuzzed: tests/fuzz/recipe_reply.cc).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filters/filter.h"
#include "prompts/recipe.h"

namespace primer::filters {

struct ParsedReply {
  std::string_view error;                                   // empty: parsed; otherwise the drop reason
  std::string missing;                                      // missing_field: the first field not found
  std::string text;                                         // the record's text
  std::vector<std::pair<std::string, std::string>> fields;  // (name, JSON value), declared order
};
ParsedReply parse_recipe_reply(std::string_view reply, const prompts::ReplySpec& spec);

// True if `text` uses `lemma` in some inflection: a word token that is a form of an entry
// with that lemma in `vocab`, or (a word the list does not have) equal to it after case
// folding. The one place the `require` check lives.
bool uses_word(const vocab::Vocabulary* vocab, std::string_view text, std::string_view lemma);

std::unique_ptr<Filter> make_reply_filter(const prompts::ReplySpec& spec, const FilterContext& context);

}  // namespace primer::filters
