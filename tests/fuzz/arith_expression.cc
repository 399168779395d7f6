// The arithmetic a teacher states in a reply (filters/arith.h): the `answer` filter's
// expression evaluator and its two number readers. Any bytes: no crash, no exception, no
// hang; every value in lowest terms with a positive denominator; and the evaluator agrees
// with itself on the same input in parentheses and negated.
#include <numeric>
#include <string>

#include "filters/arith.h"
#include "tests/fuzz/fuzz.h"

namespace {

using primer::filters::ArithStatus;
using primer::filters::Rational;

void require_canonical(const Rational& v) {
  primer::fuzz::require(v.den > 0, "a positive denominator");
  primer::fuzz::require(v.num != INT64_MIN, "a numerator that can be negated");
  primer::fuzz::require(std::gcd(v.num < 0 ? -v.num : v.num, v.den) == 1, "lowest terms");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = primer::fuzz::as_text(data, size);
  const auto r = primer::filters::evaluate_arithmetic(text);
  primer::fuzz::require(r.offset <= text.size() || r.status == ArithStatus::kTooLong, "an offset inside the text");
  primer::fuzz::require((r.status == ArithStatus::kTooLong) == (size > primer::filters::kMaxArithBytes),
                        "too long exactly above the limit");
  if (r.ok()) {
    require_canonical(r.value);
    const auto wrapped = primer::filters::evaluate_arithmetic("(" + std::string(text) + ")");
    primer::fuzz::require(wrapped.ok()
                              ? wrapped.value == r.value
                              : wrapped.status == ArithStatus::kTooDeep || wrapped.status == ArithStatus::kTooLong,
                          "parentheses keep the value");
    const auto negated = primer::filters::evaluate_arithmetic("-(" + std::string(text) + ")");
    primer::fuzz::require(!negated.ok() || (negated.value == Rational{-r.value.num, r.value.den}),
                          "unary minus negates");
  }
  const auto stated = primer::filters::parse_stated_number(text);
  if (stated.ok()) require_canonical(stated.value);
  const auto json = primer::filters::parse_json_number(text);
  if (json.ok()) {
    require_canonical(json.value);
    primer::fuzz::require(json.decimals >= 0, "decimals are a count");
  }
  return 0;
}
