// kind = "truncation": replies cut off before the end.
//   drop "finish_length"      when the teacher stopped at max_tokens (finish_reason "length")
//   drop "no_terminal_punct"  when the text does not end with . ! ? or a closing quote
//                             after one of them
#include "filters/kinds.h"

namespace primer::filters {
namespace {

bool ends_sentence(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\t' || t.back() == '\r')) t.remove_suffix(1);
  // Strip closing quotes and brackets: ASCII ' " ) and UTF-8 ” (E2 80 9D) ’ (E2 80 99).
  for (;;) {
    if (!t.empty() && (t.back() == '"' || t.back() == '\'' || t.back() == ')')) {
      t.remove_suffix(1);
    } else if (t.size() >= 3 && static_cast<unsigned char>(t[t.size() - 3]) == 0xE2 &&
               static_cast<unsigned char>(t[t.size() - 2]) == 0x80 &&
               (static_cast<unsigned char>(t.back()) == 0x9D || static_cast<unsigned char>(t.back()) == 0x99)) {
      t.remove_suffix(3);
    } else {
      break;
    }
  }
  return !t.empty() && (t.back() == '.' || t.back() == '!' || t.back() == '?');
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
