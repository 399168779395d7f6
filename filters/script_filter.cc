// kind = "script": the text is written in the expected script (ICU script property).
//   script     ("Latin")  an ICU script name or code: "Latin", "Cyrillic", "Han", "Latn", ...
//   min_share  (0.9)      drop "wrong_script" when letters of that script are a smaller
//                         share of all letters; characters of the Common and Inherited
//                         scripts (digits, punctuation, spaces, emoji, combining marks)
//                         are not counted
//   drop "no_letters" when the text has no letter of any script.
// ASCII bytes take a table path (letters are Latin, the rest Common); ill-formed UTF-8
// counts as a letter of no script.
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

class ScriptFilter final : public Filter {
 public:
  ScriptFilter(UScriptCode script, double min_share) : script_(script), min_share_(min_share) {}
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
          expected += script_ == USCRIPT_LATIN;
        }
        continue;
      }
      UChar32 c;
      U8_NEXT(s, i, n, c);
      if (c < 0) { ++letters; continue; }
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode sc = uscript_getScript(c, &status);
      if (U_FAILURE(status) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) continue;
      ++letters;
      expected += sc == script_ || uscript_hasScript(c, script_);
    }
    if (letters == 0) return Verdict::Drop("no_letters");
    if (double(expected) < min_share_ * double(letters)) return Verdict::Drop("wrong_script");
    return Verdict::Keep();
  }

 private:
  UScriptCode script_;
  double min_share_;
};

}  // namespace

std::unique_ptr<Filter> make_script_filter(FilterSettings& s, const FilterContext&) {
  const std::string name = s.string("script").value_or("Latin");
  const int32_t code = u_getPropertyValueEnum(UCHAR_SCRIPT, name.c_str());
  if (code == UCHAR_INVALID_CODE || code == USCRIPT_COMMON || code == USCRIPT_INHERITED)
    s.invalid("script", "'" + name + "' is not a script ICU knows (e.g. \"Latin\", \"Cyrillic\", \"Han\", \"Arabic\")");
  const double min_share = s.share("min_share").value_or(0.9);
  return std::make_unique<ScriptFilter>(static_cast<UScriptCode>(code), min_share);
}

}  // namespace primer::filters
