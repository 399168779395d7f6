// kind = "script": the text is written in the expected script(s) (ICU script property).
//   script     ("Latin", or "vocab" when the [vocab] list has a "# language:" other than
//              "en")  an ICU script name or code ("Latin", "Cyrillic", "Han", "Latn",
//              ...), an array of them (["Han", "Hiragana", "Katakana"] for Japanese), or
//              "vocab": every script that the letters of the [vocab] list's words are
//              written in (Han for a Chinese list; Latin for the bundled English list)
//   min_share  (0.9)      drop "wrong_script" when letters of those scripts are a smaller
//                         share of all letters; characters of the Common and Inherited
//                         scripts (digits, punctuation, spaces, emoji, combining marks,
//                         "，。！？“”") are not counted, and a letter counts as expected
//                         when one of its Script_Extensions is (U+30FC for Katakana)
//   drop "no_letters" when the text has no letter of any script.
// ASCII bytes take a table path (letters are Latin, the rest Common); ill-formed UTF-8
// counts as a letter of no script.
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <stdexcept>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

class ScriptFilter final : public Filter {
 public:
  ScriptFilter(std::vector<UScriptCode> scripts, double min_share)
      : scripts_(std::move(scripts)),
        latin_(std::find(scripts_.begin(), scripts_.end(), USCRIPT_LATIN) != scripts_.end()),
        min_share_(min_share) {}
  std::string_view name() const override { return "script"; }
  std::vector<std::string_view> reasons() const override { return {"wrong_script", "no_letters"}; }

  Verdict check(const Doc& doc) const override {
    const std::string_view t = doc.text();
    const auto* s = reinterpret_cast<const uint8_t*>(t.data());
    const int32_t n = static_cast<int32_t>(t.size());
    uint64_t letters = 0, expected = 0;
    for (int32_t i = 0; i < n;) {
      if (s[i] < 0x80) {
        const uint8_t c = s[i++];
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
          ++letters;
          expected += latin_;
        }
        continue;
      }
      UChar32 c;
      U8_NEXT(s, i, n, c);
      if (c < 0) {
        ++letters;
        continue;
      }
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode sc = uscript_getScript(c, &status);
      if (U_FAILURE(status) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) continue;
      ++letters;
      expected += is_expected(c, sc);
    }
    if (letters == 0) return Verdict::Drop("no_letters");
    if (double(expected) < min_share_ * double(letters)) return Verdict::Drop("wrong_script");
    return Verdict::Keep();
  }

 private:
  bool is_expected(UChar32 c, UScriptCode sc) const {
    for (UScriptCode want : scripts_)
      if (sc == want || uscript_hasScript(c, want)) return true;
    return false;
  }

  std::vector<UScriptCode> scripts_;
  bool latin_;  // the ASCII path: ASCII letters are Latin
  double min_share_;
};

// The scripts of the letters of a list's words (surface forms and names), in code order.
std::vector<UScriptCode> scripts_of(const vocab::Vocabulary& v) {
  std::vector<UScriptCode> out;
  auto add_word = [&](std::string_view w) {
    const auto* p = reinterpret_cast<const uint8_t*>(w.data());
    const auto n = static_cast<int32_t>(w.size());
    for (int32_t i = 0; i < n;) {
      UChar32 c;
      U8_NEXT(p, i, n, c);
      if (c < 0 || !u_isalpha(c)) continue;
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode sc = uscript_getScript(c, &status);
      if (U_FAILURE(status) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) continue;
      if (std::find(out.begin(), out.end(), sc) == out.end()) out.push_back(sc);
    }
  };
  for (const auto& e : v.entries()) {
    add_word(e.lemma);
    for (const auto& f : e.surface_forms()) add_word(f);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::unique_ptr<Filter> make_script_filter(FilterSettings& s, const FilterContext& c) {
  const bool other_language = c.vocab && c.vocab->language() != "en";
  const std::vector<std::string> names =
      s.strings("script").value_or(std::vector<std::string>{other_language ? "vocab" : "Latin"});
  if (names.empty()) s.invalid("script", "names no script (e.g. \"Latin\", [\"Han\", \"Latin\"] or \"vocab\")");
  std::vector<UScriptCode> scripts;
  for (const auto& name : names) {
    if (name == "vocab") {
      if (!c.vocab) s.invalid("script", "\"vocab\" needs a [vocab] list");
      for (UScriptCode sc : scripts_of(*c.vocab))
        if (std::find(scripts.begin(), scripts.end(), sc) == scripts.end()) scripts.push_back(sc);
      continue;
    }
    const int32_t code = u_getPropertyValueEnum(UCHAR_SCRIPT, name.c_str());
    if (code == UCHAR_INVALID_CODE || code == USCRIPT_COMMON || code == USCRIPT_INHERITED)
      s.invalid("script",
                "'" + name + "' is not a script ICU knows (e.g. \"Latin\", \"Cyrillic\", \"Han\", \"Arabic\")");
    if (std::find(scripts.begin(), scripts.end(), static_cast<UScriptCode>(code)) == scripts.end())
      scripts.push_back(static_cast<UScriptCode>(code));
  }
  if (scripts.empty()) s.invalid("script", "\"vocab\": the [vocab] list has no letters of any script");
  const double min_share = s.share("min_share").value_or(0.9);
  return std::make_unique<ScriptFilter>(std::move(scripts), min_share);
}

}  // namespace primer::filters
