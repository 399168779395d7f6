#include "filters/recipe_reply.h"

#include <simdjson.h>

#include <algorithm>

#include "base/json.h"
#include "base/text.h"
#include "prompts/sampler.h"

namespace primer::filters {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && base::ascii_lower(a) == base::ascii_lower(b);
}

std::string trimmed(std::string_view s) { return std::string(base::trim(s)); }

void parse_json(std::string_view reply, const prompts::ReplySpec& spec, ParsedReply& out) {
  simdjson::dom::parser parser;
  bool any_object = false;
  for (const std::string_view candidate : base::json_object_candidates(reply)) {
    simdjson::padded_string padded(candidate);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (parser.parse(padded).get(root) || root.get_object().get(obj)) continue;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string text, missing;
    bool text_is_string = false;
    for (const std::string& name : spec.fields) {
      simdjson::dom::element value;
      bool found = false;
      for (auto [k, v] : obj)
        if (k == name || iequals(k, name)) {
          value = v;
          found = true;
          if (k == name) break;  // an exact match wins over a case-insensitive one
        }
      if (!found || value.is_null()) {
        missing = name;
        break;
      }
      std::string json;
      std::string_view s;
      if (!value.get_string().get(s)) {
        base::append_json_string(json, s);
        if (name == spec.text) {
          text = trimmed(s);
          text_is_string = true;
        }
      } else {
        json = simdjson::minify(value);
      }
      fields.emplace_back(name, std::move(json));
    }
    if (!missing.empty()) {
      if (!any_object) out.missing = missing;  // the first object's, unless a later one has every field
      any_object = true;
      continue;
    }
    out.fields = std::move(fields);
    out.text = std::move(text);
    out.missing.clear();
    if (!text_is_string || out.text.empty()) out.error = "empty_text";
    return;
  }
  out.error = any_object ? "missing_field" : "not_json";
}

// A heading of a declared field on this line: its field index and where its content
// starts (an offset into the line), or false.
bool heading(std::string_view line, const std::vector<std::string>& fields, size_t& field, size_t& content) {
  size_t k = 0, hashes = 0, marks = 0;
  while (k < line.size() && line[k] == '#') ++k, ++hashes;
  while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
  while (k < line.size() && (line[k] == '*' || line[k] == '_')) ++k, ++marks;
  bool found = false;
  size_t best = 0;
  for (size_t f = 0; f < fields.size(); ++f) {
    const std::string& name = fields[f];
    if (name.size() <= best || line.size() - k < name.size() || !iequals(line.substr(k, name.size()), name)) continue;
    size_t e = k + name.size();
    while (e < line.size() && (line[e] == '*' || line[e] == '_')) ++e;
    const bool colon = e < line.size() && line[e] == ':';
    if (colon) {
      ++e;
      while (e < line.size() && (line[e] == '*' || line[e] == '_')) ++e;
    }
    const bool alone = base::trim(line.substr(e)).empty();
    if (!colon && !(alone && (hashes > 0 || marks > 0))) continue;
    found = true;
    best = name.size();
    field = f;
    content = e;
  }
  return found;
}

void parse_sections(std::string_view reply, const prompts::ReplySpec& spec, ParsedReply& out) {
  struct Mark {
    size_t field, line_start, content;
  };
  std::vector<Mark> marks;
  size_t pos = 0;
  while (pos <= reply.size()) {
    size_t eol = reply.find('\n', pos);
    if (eol == std::string_view::npos) eol = reply.size();
    size_t f = 0, c = 0;
    if (heading(reply.substr(pos, eol - pos), spec.fields, f, c)) marks.push_back({f, pos, pos + c});
    pos = eol + 1;
  }
  if (marks.empty()) {
    out.error = "no_sections";
    return;
  }
  std::vector<std::string> values(spec.fields.size());
  std::vector<bool> seen(spec.fields.size(), false);
  for (size_t i = 0; i < marks.size(); ++i) {
    const size_t end = i + 1 < marks.size() ? marks[i + 1].line_start : reply.size();
    if (seen[marks[i].field]) continue;
    seen[marks[i].field] = true;
    values[marks[i].field] = trimmed(reply.substr(marks[i].content, end - marks[i].content));
  }
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    if (!seen[f]) {
      out.error = "missing_field";
      out.missing = spec.fields[f];
      return;
    }
    std::string json;
    base::append_json_string(json, values[f]);
    out.fields.emplace_back(spec.fields[f], std::move(json));
    if (spec.fields[f] == spec.text) out.text = values[f];
  }
  if (out.text.empty()) out.error = "empty_text";
}

class ReplyFilter final : public Filter {
 public:
  ReplyFilter(prompts::ReplySpec spec, const vocab::Vocabulary* vocab) : spec_(std::move(spec)), vocab_(vocab) {}
  std::string_view name() const override { return "reply"; }
  std::vector<std::string_view> reasons() const override {
    return {"not_json", "no_sections", "missing_field", "empty_text", "missing_word"};
  }
  Verdict check(const Doc& doc) const override {
    Doc copy = doc;
    return rewrite(copy);
  }
  bool rewrites() const override { return true; }
  Verdict rewrite(Doc& doc) const override {
    // A Doc without slots did not come from a recipe sampler (a record read back by
    // `primer filter`): its text is already the reply's text.
    if (prompts::reply_shape(doc.prompt.kind) != prompts::ReplyShape::kRecipe || doc.prompt.slots.empty())
      return Verdict::Keep();
    ParsedReply parsed = parse_recipe_reply(doc.reply.text, spec_);
    if (!parsed.error.empty()) return Verdict::Drop(parsed.error);
    for (const std::string& lemma : doc.prompt.required)
      if (!uses_word(vocab_, parsed.text, lemma)) return Verdict::Drop("missing_word");
    doc.reply.text = std::move(parsed.text);
    for (auto& f : parsed.fields) doc.fields.push_back(std::move(f));
    return Verdict::Keep();
  }

 private:
  prompts::ReplySpec spec_;
  const vocab::Vocabulary* vocab_;
};

}  // namespace

ParsedReply parse_recipe_reply(std::string_view reply, const prompts::ReplySpec& spec) {
  ParsedReply out;
  switch (spec.format) {
    case prompts::ReplyFormat::kText:
      if (base::trim(reply).empty()) out.error = "empty_text";
      else out.text = std::string(reply);
      break;
    case prompts::ReplyFormat::kJson: parse_json(reply, spec, out); break;
    case prompts::ReplyFormat::kSections: parse_sections(reply, spec, out); break;
  }
  if (!out.error.empty()) {
    out.text.clear();
    out.fields.clear();
  }
  return out;
}

bool uses_word(const vocab::Vocabulary* vocab, std::string_view text, std::string_view lemma) {
  std::string folded_lemma;
  vocab::fold_word(lemma, folded_lemma);
  if (!vocab) return base::ascii_lower(text).find(folded_lemma) != std::string::npos;
  bool found = false;
  vocab->for_each_token(text, [&](const vocab::Token& t) {
    if (found) return;
    if (t.folded == folded_lemma) found = true;
    for (uint32_t e : t.lemmas)
      if (vocab->entry(e).lemma == lemma) found = true;
  });
  return found;
}

std::unique_ptr<Filter> make_reply_filter(const prompts::ReplySpec& spec, const FilterContext& context) {
  return std::make_unique<ReplyFilter>(spec, context.vocab);
}

}  // namespace primer::filters
