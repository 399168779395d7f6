// kind = "length": word-count bounds.
//   min_words (default 50)    drop "too_short" below it
//   max_words (default 1000)  drop "too_long" above it
#include "filters/kinds.h"

namespace primer::filters {
namespace {

class LengthFilter final : public Filter {
 public:
  LengthFilter(int64_t min_words, int64_t max_words) : min_(min_words), max_(max_words) {}
  std::string_view name() const override { return "length"; }
  std::vector<std::string_view> reasons() const override { return {"too_short", "too_long"}; }
  Verdict check(const Doc& doc) const override {
    const int64_t words = vocab::count_words(doc.text());
    if (words < min_) return Verdict::Drop("too_short");
    if (words > max_) return Verdict::Drop("too_long");
    return Verdict::Keep();
  }

 private:
  int64_t min_, max_;
};

}  // namespace

std::unique_ptr<Filter> make_length_filter(FilterSettings& s, const FilterContext&) {
  const int64_t min_words = s.integer("min_words").value_or(50);
  const int64_t max_words = s.integer("max_words").value_or(1000);
  if (min_words < 0) s.invalid("min_words", "must be at least 0");
  if (max_words < min_words) s.invalid("max_words", "must be at least min_words");
  return std::make_unique<LengthFilter>(min_words, max_words);
}

}  // namespace primer::filters
