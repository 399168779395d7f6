// kind = "truncation": replies cut off before the end.
//   drop "finish_length"      when the teacher stopped at max_tokens (finish_reason "length")
//   drop "no_terminal_punct"  when the text does not end with . ! ? (or the CJK 。！？．), closing
//                             quotes and brackets aside
#include "filters/kinds.h"

namespace primer::filters {
namespace {

// Closing quotes and brackets after the last sentence: ASCII ' " ), ” ’, and the CJK
// 」 』 ） 》. Sentence ends: . ! ? and the CJK 。 ！ ？ ．
constexpr std::string_view kClosers[] = {"\"", "'", ")", "\u201D", "\u2019", "\u300D", "\u300F", "\uFF09", "\u300B"};
constexpr std::string_view kEnds[] = {".", "!", "?", "\u3002", "\uFF01", "\uFF1F", "\uFF0E"};

bool ends_sentence(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\t' || t.back() == '\r'))
    t.remove_suffix(1);
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string_view c : kClosers)
      if (t.ends_with(c)) {
        t.remove_suffix(c.size());
        stripped = true;
      }
  }
  for (std::string_view e : kEnds)
    if (t.ends_with(e)) return true;
  return false;
}

class TruncationFilter final : public Filter {
 public:
  std::string_view name() const override { return "truncation"; }
  std::vector<std::string_view> reasons() const override { return {"finish_length", "no_terminal_punct"}; }
  Verdict check(const Doc& doc) const override {
    if (doc.reply.finish_reason == "length") return Verdict::Drop("finish_length");
    if (!ends_sentence(doc.text())) return Verdict::Drop("no_terminal_punct");
    return Verdict::Keep();
  }
};

}  // namespace

std::unique_ptr<Filter> make_truncation_filter(FilterSettings&, const FilterContext&) {
  return std::make_unique<TruncationFilter>();
}

}  // namespace primer::filters
