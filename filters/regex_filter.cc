// kind = "regex": RE2 rules from a file — refusals and blocklisted phrases drop the
// document, PII is scrubbed (or drops it).
//   rules        ("filters/regex_rules.txt")  the rules file (format below)
//   scrub        (true)   scrub rules replace their matches; false: they drop the
//                         document instead, with the rule's name as the reason
//   replacement  ("<NAME>" of the rule, e.g. "<EMAIL>")  what a scrubbed match becomes
//
// Rules file: one rule per line, `ACTION NAME PATTERN`, where ACTION is `drop` or
// `scrub`, NAME is the drop reason (several rules may share one) and PATTERN (RE2 syntax,
// the rest of the line) is searched anywhere in the text; use (?i) for case-insensitive
// rules. Blank lines and lines starting with '#' are ignored.
//
//   drop   refusal  (?i)\bas an ai language model\b
//   scrub  email    [A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}
//
// Drop rules are checked first, all at once (RE2::Set): the first matching rule in file
// order names the reason. Scrubbed documents are kept; later filters and the shards see
// the scrubbed text. Thread-safe (RE2 objects are immutable after construction).
#include <re2/re2.h>
#include <re2/set.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

struct Rule {
  std::string_view name;  // into RegexFilter::names_
  std::unique_ptr<RE2> re;
  std::string replacement;  // RE2 rewrite string (backslashes escaped)
};

class RegexFilter final : public Filter {
 public:
  RegexFilter() : drop_set_(options(), RE2::UNANCHORED), scrub_set_(options(), RE2::UNANCHORED) {}

  static RE2::Options options() {
    RE2::Options o;
    o.set_log_errors(false);
    return o;
  }

  // Returns an error message, or "" when the file is good.
  std::string load(const std::filesystem::path& path, bool scrub, const std::optional<std::string>& replacement) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path.string();
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string where = path.string() + ":" + std::to_string(number) + ": ";
      std::istringstream ls(line);
      std::string action, name;
      ls >> action;
      if (action.empty() || action[0] == '#') continue;
      ls >> name;
      std::string pattern;
      std::getline(ls >> std::ws, pattern);
      while (!pattern.empty() && (pattern.back() == '\r' || pattern.back() == ' ')) pattern.pop_back();
      if ((action != "drop" && action != "scrub") || name.empty() || pattern.empty())
        return where + "expected 'drop|scrub NAME PATTERN'";
      std::string_view stored;
      for (const auto& n : names_)
        if (n == name) stored = n;
      if (stored.empty()) stored = names_.emplace_back(name);
      Rule r;
      r.name = stored;
      r.re = std::make_unique<RE2>(pattern, options());
      if (!r.re->ok()) return where + "bad pattern: " + r.re->error();
      std::string err;
      if (action == "drop" || !scrub) {
        if (drop_set_.Add(pattern, &err) < 0) return where + "bad pattern: " + err;
        drops_.push_back(std::move(r));
      } else {
        std::string rep = replacement ? *replacement : "<" + name + ">";
        if (!replacement)
          for (auto& c : rep) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
        for (char c : rep) {
          if (c == '\\') r.replacement += '\\';
          r.replacement += c;
        }
        if (scrub_set_.Add(pattern, &err) < 0) return where + "bad pattern: " + err;
        scrubs_.push_back(std::move(r));
      }
    }
    if (!drop_set_.Compile() || !scrub_set_.Compile()) return path.string() + ": the rules are too large for RE2";
    return "";
  }

  std::string_view name() const override { return "regex"; }
  std::vector<std::string_view> reasons() const override {
    std::vector<std::string_view> out;
    for (const auto& r : drops_)
      if (std::find(out.begin(), out.end(), r.name) == out.end()) out.push_back(r.name);
    return out;
  }
  bool rewrites() const override { return !scrubs_.empty(); }

  Verdict check(const Doc& doc) const override {
    if (drops_.empty()) return Verdict::Keep();
    thread_local std::vector<int> hits;
    hits.clear();
    if (!drop_set_.Match(doc.text(), &hits)) return Verdict::Keep();
    return Verdict::Drop(drops_[*std::min_element(hits.begin(), hits.end())].name);
  }

  Verdict rewrite(Doc& doc) const override {
    const Verdict v = check(doc);
    if (!v.keep()) return v;
    thread_local std::vector<int> hits;
    hits.clear();
    if (!scrub_set_.Match(doc.reply.text, &hits)) return v;
    std::sort(hits.begin(), hits.end());
    for (int i : hits) RE2::GlobalReplace(&doc.reply.text, *scrubs_[i].re, scrubs_[i].replacement);
    return v;
  }

 private:
  std::deque<std::string> names_;  // stable addresses for the reasons' views
  std::vector<Rule> drops_, scrubs_;
  RE2::Set drop_set_, scrub_set_;
};

}  // namespace

std::unique_ptr<Filter> make_regex_filter(FilterSettings& s, const FilterContext& c) {
  const std::string rules = s.string("rules").value_or("filters/regex_rules.txt");
  const bool scrub = s.boolean("scrub").value_or(true);
  const auto replacement = s.string("replacement");
  std::filesystem::path path;
  try {
    path = resolve_filter_path(c, rules, "filters.rules");
  } catch (const std::invalid_argument& e) {
    s.invalid("rules", std::string("names a file that does not exist (") + e.what() + ")");
  }
  auto f = std::make_unique<RegexFilter>();
  if (std::string err = f->load(path, scrub, replacement); !err.empty()) s.invalid("rules", err);
  return f;
}

}  // namespace primer::filters
