// primer::filters arithmetic — evaluates the arithmetic a teacher states in a reply
// ("3 * (4 + 2)") exactly, without running code, for the `answer` filter.
//
//   const ArithResult r = evaluate_arithmetic("12 × 3 − 1,000 / 8");
//   if (r.ok()) ...  // r.value == Rational{-89, 1}
//
// Grammar (whitespace: space, tab, CR, LF, anywhere between tokens):
//   expression := term (('+' | '-' | '−') term)*
//   term       := unary (('*' | '/' | '×' | '÷') unary)*
//   unary      := ('-' | '−' | '+')* percent            (unary minus binds tighter than * /)
//   percent    := primary ['%']                         ("20%" is 20/100; no modulo)
//   primary    := number | '(' expression ')'
//   number     := digits ['.' digits] | '.' digits
//   digits     := [0-9]+ | [0-9]{1,3} (',' [0-9]{3})+   ("1,000" and "12,345.5" are numbers)
// '−' is U+2212 MINUS SIGN, '×' U+00D7, '÷' U+00F7, as teachers write them. A comma is
// only ever a thousands separator (there are no function calls or lists), and only in
// groups of exactly three digits after a first group of one to three: "1,5" and
// "1234,567" are syntax errors, never one and a half. "%" always divides the primary it
// follows by 100, so "200 + 10%" is 200.1 (a calculator's 220 is written "200 * 1.1").
// Not accepted: powers, implicit multiplication ("2(3 + 4)"), exponents ("1e3"), "=",
// currency signs, words.
//
// Exactness: every value is a Rational, int64 numerator over int64 denominator in lowest
// terms; each operation computes in 128 bits and reduces by the gcd, so 1/3 * 3 is exactly
// 1 and 0.1 + 0.2 exactly 3/10. A result (or any intermediate, or a literal) that does
// not fit is kOverflow, never a wrapped or rounded value.
//
// Errors are results, never exceptions or crashes: kSyntax (with the byte offset),
// kDivisionByZero, kOverflow, kTooDeep (parentheses nested deeper than kMaxArithDepth),
// kTooLong (more than kMaxArithBytes bytes). A syntax error outranks an arithmetic one:
// "1/0 +" is kSyntax. Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace primer::filters {

inline constexpr int kMaxArithDepth = 64;
inline constexpr size_t kMaxArithBytes = 1000;

// num/den in lowest terms, den > 0, num never INT64_MIN (so negation cannot overflow).
struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  friend bool operator==(const Rational&, const Rational&) = default;
};

enum class ArithStatus : uint8_t { kOk, kSyntax, kDivisionByZero, kOverflow, kTooDeep, kTooLong };
// "ok", "syntax", "division_by_zero", "overflow", "too_deep", "too_long".
std::string_view arith_status_name(ArithStatus status);

struct ArithResult {
  Rational value;  // meaningful when ok()
  ArithStatus status = ArithStatus::kOk;
  size_t offset = 0;  // kSyntax: the byte where parsing stopped
  bool ok() const { return status == ArithStatus::kOk; }
};

ArithResult evaluate_arithmetic(std::string_view expression);

// Exact rational arithmetic with the same overflow rule (false: overflow or division by
// zero; `out` is then unchanged).
bool rational_add(const Rational& a, const Rational& b, Rational& out);
bool rational_sub(const Rational& a, const Rational& b, Rational& out);
bool rational_mul(const Rational& a, const Rational& b, Rational& out);
bool rational_div(const Rational& a, const Rational& b, Rational& out);

// True when `stated` is `value` rounded to `decimals` digits after the point: |stated −
// value| <= 10^-decimals / 2, exactly (decimals clamped to 0..18; a tie either way counts).
bool within_half_unit(const Rational& value, const Rational& stated, int decimals);

// A number as a reply states it, with how many digits it gives after the decimal point
// (the answer filter compares at that precision).
struct StatedNumber {
  Rational value;
  int decimals = 0;                       // digits written after '.', adjusted by an exponent
  ArithStatus status = ArithStatus::kOk;  // kSyntax: not a number; kOverflow: too large
  bool ok() const { return status == ArithStatus::kOk; }
};

// A JSON number's text, exactly (RFC 8259 grammar): "18", "-0.25", "1.5e3". Leading and
// trailing whitespace is allowed; anything else is kSyntax.
StatedNumber parse_json_number(std::string_view text);

// A number as a reply writes it inside a string: an optional sign ('-', '−', '+') and
// currency sign ($ £ € ¥ ₹, either order), a number as in expressions (thousands commas,
// decimals) or a fraction of two integers ("3/4"), then optional units: any text without
// a digit or an operator (+ * / × ÷ = ^), so "$1,250.50", "-3.5 km", "12 apples.",
// "25%" (25: a stated percentage is read as its number) are numbers and "12 + 3",
// "1 1/2", "3:30", "about 12" are not (kSyntax).
StatedNumber parse_stated_number(std::string_view text);

}  // namespace primer::filters
