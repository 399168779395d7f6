// kind = "answer": the arithmetic of a math word problem's reply, checked (recipes with a
// JSON reply whose fields arrive in Doc::fields as JSON values). primer evaluates the
// expression itself, exactly, as rationals (filters/arith.h: + - * / × ÷, parentheses,
// unary minus, "%" as /100, "1,000"); no code runs.
//   expression (default "expression")  the field that holds the arithmetic: a JSON string
//                                      (or a bare JSON number)
//   answer (default "answer")          the field that holds the result: a JSON number, or a
//                                      string with a number ("$1,250.50", "12 apples",
//                                      "3/4"; arith.h: parse_stated_number)
//   rounding (default true)            an answer written with d digits after the point
//                                      also matches the value rounded to d digits ("0.33"
//                                      for 1/3, "3.5" for 3.46); an answer without
//                                      decimals must be exact
//   tolerance (default 0)              also match when |answer − value| <= tolerance ×
//                                      |value| (a share in [0, 1])
// Drop reasons: "missing_field" (either field absent or null: a document without fields,
// such as a story, is dropped too), "bad_expression" (does not parse, nested deeper than 64
// or longer than 1,000 bytes, or is not a string), "division_by_zero", "overflow" (a value
// beyond 64-bit rationals in the expression or the answer), "not_a_number" (the answer),
// "mismatch".
#include <simdjson.h>

#include <cmath>

#include "filters/arith.h"
#include "filters/kinds.h"

namespace primer::filters {
namespace {

// A field's JSON value: its decoded string, its number text, null, or something else.
struct FieldValue {
  enum Type { kMissing, kString, kNumber, kOther } type = kMissing;
  std::string text;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

FieldValue field_value(const Doc& doc, std::string_view key) {
  FieldValue out;
  for (const auto& [name, json] : doc.fields) {
    if (name != key) continue;
    const std::string_view value = trim(json);
    if (value.empty() || value == "null") return out;
    if (value.front() == '"') {
      // One parser per thread: check() runs on many threads.
      thread_local simdjson::dom::parser parser;
      std::string_view decoded;
      simdjson::dom::element element;
      out.type = FieldValue::kOther;
      if (!parser.parse(value.data(), value.size()).get(element) && !element.get_string().get(decoded)) {
        out.type = FieldValue::kString;
        out.text = decoded;
      }
      return out;
    }
    out.type = value.front() == '-' || (value.front() >= '0' && value.front() <= '9') ? FieldValue::kNumber
                                                                                      : FieldValue::kOther;
    out.text = value;
    return out;
  }
  return out;
}

class AnswerFilter final : public Filter {
 public:
  AnswerFilter(std::string expression, std::string answer, bool rounding, double tolerance)
      : expression_(std::move(expression)), answer_(std::move(answer)), rounding_(rounding), tolerance_(tolerance) {}
  std::string_view name() const override { return "answer"; }
  std::vector<std::string_view> reasons() const override {
    return {"missing_field", "bad_expression", "division_by_zero", "overflow", "not_a_number", "mismatch"};
  }

  Verdict check(const Doc& doc) const override {
    const FieldValue expression = field_value(doc, expression_);
    const FieldValue answer = field_value(doc, answer_);
    if (expression.type == FieldValue::kMissing || answer.type == FieldValue::kMissing)
      return Verdict::Drop("missing_field");

    Rational value;
    if (expression.type == FieldValue::kString) {
      const ArithResult r = evaluate_arithmetic(expression.text);
      switch (r.status) {
        case ArithStatus::kOk: value = r.value; break;
        case ArithStatus::kDivisionByZero: return Verdict::Drop("division_by_zero");
        case ArithStatus::kOverflow: return Verdict::Drop("overflow");
        default: return Verdict::Drop("bad_expression");
      }
    } else if (expression.type == FieldValue::kNumber) {
      const StatedNumber n = parse_json_number(expression.text);
      if (n.status == ArithStatus::kOverflow) return Verdict::Drop("overflow");
      if (!n.ok()) return Verdict::Drop("bad_expression");
      value = n.value;
    } else {
      return Verdict::Drop("bad_expression");
    }

    StatedNumber stated;
    if (answer.type == FieldValue::kString) stated = parse_stated_number(answer.text);
    else if (answer.type == FieldValue::kNumber) stated = parse_json_number(answer.text);
    else stated.status = ArithStatus::kSyntax;
    if (stated.status == ArithStatus::kOverflow) return Verdict::Drop("overflow");
    if (!stated.ok()) return Verdict::Drop("not_a_number");

    return matches(value, stated) ? Verdict::Keep() : Verdict::Drop("mismatch");
  }

 private:
  bool matches(const Rational& value, const StatedNumber& stated) const {
    if (stated.value == value) return true;
    if (rounding_ && stated.decimals > 0 && within_half_unit(value, stated.value, stated.decimals)) return true;
    if (tolerance_ > 0) {
      const long double a = static_cast<long double>(stated.value.num) / stated.value.den;
      const long double v = static_cast<long double>(value.num) / value.den;
      return std::fabs(a - v) <= static_cast<long double>(tolerance_) * std::fabs(v);
    }
    return false;
  }

  std::string expression_, answer_;
  bool rounding_;
  double tolerance_;
};

}  // namespace

std::unique_ptr<Filter> make_answer_filter(FilterSettings& s, const FilterContext&) {
  std::string expression = s.string("expression").value_or("expression");
  std::string answer = s.string("answer").value_or("answer");
  if (expression.empty()) s.invalid("expression", "must name a field of the reply");
  if (answer.empty()) s.invalid("answer", "must name a field of the reply");
  if (expression == answer) s.invalid("answer", "must name another field than expression");
  const bool rounding = s.boolean("rounding").value_or(true);
  const double tolerance = s.share("tolerance", " (a relative tolerance: 0.01 is 1%)").value_or(0.0);
  return std::make_unique<AnswerFilter>(std::move(expression), std::move(answer), rounding, tolerance);
}

}  // namespace primer::filters
