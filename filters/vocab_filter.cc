// kind = "vocab": vocabulary conformance.
//   max_oov_rate  (default 0.02)  drop "oov_rate" when out-of-vocabulary tokens / tokens
//                                 exceeds it
//   require_words (default true)  drop "missing_words" unless the prompt's required
//                                 verb, noun and adjective each occur in some inflection
#include <stdexcept>

#include "filters/kinds.h"

namespace primer::filters {
namespace {

class VocabConformanceFilter final : public Filter {
 public:
  VocabConformanceFilter(const vocab::Vocabulary& vocab, double max_oov_rate, bool require_words)
      : vocab_(vocab), max_oov_rate_(max_oov_rate), require_words_(require_words) {}

  std::string_view name() const override { return "vocab"; }
  std::vector<std::string_view> reasons() const override { return {"oov_rate", "missing_words"}; }

  Verdict check(const Doc& doc) const override {
    const auto& p = doc.prompt;
    const bool has_words = require_words_ && !p.verb_word.empty();
    const uint32_t watch[3] = {p.verb, p.noun, p.adjective};
    const auto c = vocab_.score(doc.text(), has_words ? std::span<const uint32_t>(watch) : std::span<const uint32_t>());
    if (c.oov_rate() > max_oov_rate_) return Verdict::Drop("oov_rate");
    if (has_words && c.found_mask != 0b111) return Verdict::Drop("missing_words");
    return Verdict::Keep();
  }

 private:
  const vocab::Vocabulary& vocab_;
  double max_oov_rate_;
  bool require_words_;
};

}  // namespace

std::unique_ptr<Filter> make_vocab_filter(FilterSettings& s, const FilterContext& c) {
  if (!c.vocab) throw std::invalid_argument("the vocab filter needs a [vocab] list");
  const double max_oov = s.share("max_oov_rate").value_or(0.02);
  return std::make_unique<VocabConformanceFilter>(*c.vocab, max_oov, s.boolean("require_words").value_or(true));
}

}  // namespace primer::filters
