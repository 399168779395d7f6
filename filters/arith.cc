// Exact rational arithmetic over a small recursive-descent parser (grammar: arith.h).
#include "filters/arith.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>

namespace primer::filters {
namespace {

// Products of two int64 values and sums of two such products fit in 128 bits: every
// operation computes there, then reduces and checks that the result fits in int64.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// Decimal literals keep at most this many significant digits (10^36 < 2^127).
constexpr int kMaxDigits = 36;
constexpr int kMaxScale = 38;  // 10^38 < 2^127

UInt128 gcd128(UInt128 a, UInt128 b) {
  while (b != 0) {
    if ((a >> 64) == 0 && (b >> 64) == 0) return std::gcd(static_cast<uint64_t>(a), static_cast<uint64_t>(b));
    const UInt128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

UInt128 magnitude(Int128 v) { return v < 0 ? UInt128(0) - static_cast<UInt128>(v) : static_cast<UInt128>(v); }

// n/d reduced into `out`; false when d is 0 or the reduced value does not fit. |n| and |d|
// must be below 2^127.
bool make_rational(Int128 n, Int128 d, Rational& out) {
  if (d == 0) return false;
  const bool negative = (n < 0) != (d < 0);
  UInt128 un = magnitude(n), ud = magnitude(d);
  if (un == 0) {
    out = Rational{0, 1};
    return true;
  }
  const UInt128 g = gcd128(un, ud);
  un /= g;
  ud /= g;
  if (un > static_cast<UInt128>(kMax) || ud > static_cast<UInt128>(kMax)) return false;
  out = Rational{negative ? -static_cast<int64_t>(un) : static_cast<int64_t>(un), static_cast<int64_t>(ud)};
  return true;
}

UInt128 pow10(int k) {
  UInt128 p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// mantissa × 10^-scale (scale may be negative), with a sign.
bool from_decimal(UInt128 mantissa, int scale, bool negative, Rational& out) {
  if (mantissa == 0) {
    out = Rational{0, 1};
    return true;
  }
  if (scale > kMaxScale || scale < -kMaxScale) return false;
  Int128 n = static_cast<Int128>(mantissa);
  Int128 d = 1;
  if (scale >= 0) {
    d = static_cast<Int128>(pow10(scale));
  } else if (__builtin_mul_overflow(n, static_cast<Int128>(pow10(-scale)), &n)) {
    return false;
  }
  return make_rational(negative ? -n : n, d, out);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool digits_at(std::string_view s, size_t i, size_t n) {
  if (i + n > s.size()) return false;
  for (size_t k = i; k < i + n; ++k)
    if (!is_digit(s[k])) return false;
  return true;
}

// A number at s[i] (grammar: arith.h) without sign or exponent.
struct Scan {
  bool found = false;
  size_t end = 0;         // one past the number
  UInt128 mantissa = 0;   // significant digits, fraction's trailing zeros dropped
  int scale = 0;          // value = mantissa / 10^scale
  int decimals = 0;       // digits written after '.'
  bool too_long = false;  // more than kMaxDigits significant digits
};

Scan scan_number(std::string_view s, size_t i) {
  Scan out;
  size_t j = i;
  while (j < s.size() && is_digit(s[j])) ++j;
  const size_t first_group = j - i;
  size_t int_end = j;
  // Thousands separators: a first group of 1-3 digits, then ",ddd" groups not followed by
  // another digit.
  if (first_group >= 1 && first_group <= 3)
    while (int_end < s.size() && s[int_end] == ',' && digits_at(s, int_end + 1, 3) && !digits_at(s, int_end + 4, 1))
      int_end += 4;
  size_t frac_begin = int_end, frac_end = int_end;
  if (int_end < s.size() && s[int_end] == '.' && digits_at(s, int_end + 1, 1)) {
    frac_begin = int_end + 1;
    frac_end = frac_begin;
    while (frac_end < s.size() && is_digit(s[frac_end])) ++frac_end;
  }
  if (first_group == 0 && frac_end == frac_begin) return out;  // neither "12" nor ".5"
  out.found = true;
  out.end = frac_end == frac_begin ? int_end : frac_end;
  out.decimals = static_cast<int>(frac_end - frac_begin);
  size_t significant_end = frac_end;
  while (significant_end > frac_begin && s[significant_end - 1] == '0') --significant_end;
  out.scale = static_cast<int>(significant_end - frac_begin);
  int digits = 0;
  for (size_t k = i; k < (significant_end > frac_begin ? significant_end : int_end); ++k) {
    if (!is_digit(s[k])) continue;  // ',' and '.'
    if (out.mantissa == 0 && s[k] == '0') continue;
    if (++digits > kMaxDigits) {
      out.too_long = true;
      break;
    }
    out.mantissa = out.mantissa * 10 + static_cast<unsigned>(s[k] - '0');
  }
  return out;
}

// The operator spellings at s[i]: '+', '-', '*', '/', or 0; `length` gets its bytes.
char operator_at(std::string_view s, size_t i, size_t& length) {
  if (i >= s.size()) return 0;
  const std::string_view rest = s.substr(i);
  length = 1;
  switch (s[i]) {
    case '+':
    case '-':
    case '*':
    case '/': return s[i];
    default: break;
  }
  length = 2;
  if (rest.starts_with("\xC3\x97")) return '*';  // × U+00D7
  if (rest.starts_with("\xC3\xB7")) return '/';  // ÷ U+00F7
  length = 3;
  if (rest.starts_with("\xE2\x88\x92")) return '-';  // − U+2212
  length = 0;
  return 0;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  ArithResult run() {
    ArithResult result;
    const Rational v = expression();
    skip_space();
    if (syntax_ == ArithStatus::kOk && pos_ != s_.size()) fail(ArithStatus::kSyntax);
    if (syntax_ != ArithStatus::kOk) {
      result.status = syntax_;
      result.offset = offset_;
    } else if (arithmetic_ != ArithStatus::kOk) {
      result.status = arithmetic_;
    } else {
      result.value = v;
    }
    return result;
  }

 private:
  bool failed() const { return syntax_ != ArithStatus::kOk; }
  void fail(ArithStatus status) {
    if (failed()) return;
    syntax_ = status;
    offset_ = pos_;
  }
  // An arithmetic error is remembered and parsing goes on (with 0) so that a syntax error
  // later in the text still wins.
  Rational arithmetic_error(ArithStatus status) {
    if (arithmetic_ == ArithStatus::kOk) arithmetic_ = status;
    return Rational{};
  }
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  Rational apply(char op, const Rational& a, const Rational& b) {
    Rational out;
    bool ok = false;
    switch (op) {
      case '+': ok = rational_add(a, b, out); break;
      case '-': ok = rational_sub(a, b, out); break;
      case '*': ok = rational_mul(a, b, out); break;
      default:
        if (b.num == 0) return arithmetic_error(ArithStatus::kDivisionByZero);
        ok = rational_div(a, b, out);
        break;
    }
    return ok ? out : arithmetic_error(ArithStatus::kOverflow);
  }

  Rational expression() { return chain("+-", &Parser::term); }
  Rational term() { return chain("*/", &Parser::unary); }

  // A left-associative run of operands joined by the operators in `ops` ("+-" or "*/").
  Rational chain(std::string_view ops, Rational (Parser::*operand)()) {
    Rational v = (this->*operand)();
    while (!failed()) {
      skip_space();
      size_t length = 0;
      const char op = operator_at(s_, pos_, length);
      if (op == 0 || ops.find(op) == std::string_view::npos) break;
      pos_ += length;
      const Rational rhs = (this->*operand)();
      if (failed()) break;
      v = apply(op, v, rhs);
    }
    return v;
  }

  // Signs are counted in a loop, not by recursion: "- - - ... 1" cannot exhaust the stack.
  Rational unary() {
    bool negative = false;
    for (;;) {
      skip_space();
      size_t length = 0;
      const char op = operator_at(s_, pos_, length);
      if (op != '+' && op != '-') break;
      if (op == '-') negative = !negative;
      pos_ += length;
    }
    Rational v = primary();
    if (failed()) return v;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '%') {
      ++pos_;
      v = apply('/', v, Rational{100, 1});
    }
    return negative ? Rational{-v.num, v.den} : v;
  }

  Rational primary() {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      if (++depth_ > kMaxArithDepth) {
        fail(ArithStatus::kTooDeep);
        return Rational{};
      }
      ++pos_;
      const Rational v = expression();
      if (failed()) return v;
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ')') {
        fail(ArithStatus::kSyntax);
        return v;
      }
      ++pos_;
      --depth_;
      return v;
    }
    const Scan number = scan_number(s_, pos_);
    if (!number.found) {
      fail(ArithStatus::kSyntax);
      return Rational{};
    }
    pos_ = number.end;
    Rational v;
    if (number.too_long || !from_decimal(number.mantissa, number.scale, false, v))
      return arithmetic_error(ArithStatus::kOverflow);
    return v;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  ArithStatus syntax_ = ArithStatus::kOk;  // kSyntax, kTooDeep: parsing stopped
  size_t offset_ = 0;
  ArithStatus arithmetic_ = ArithStatus::kOk;  // the first kDivisionByZero or kOverflow
};

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Length of a sign at s[i] ('-', '−', '+'), 0 if none; `negative` says which.
size_t sign_at(std::string_view s, size_t i, bool& negative) {
  size_t length = 0;
  const char op = operator_at(s, i, length);
  if (op != '-' && op != '+') return 0;
  negative = op == '-';
  return length;
}

size_t currency_at(std::string_view s, size_t i) {
  const std::string_view rest = s.substr(i);
  if (rest.starts_with("$")) return 1;
  if (rest.starts_with("\xC2\xA3") || rest.starts_with("\xC2\xA5")) return 2;          // £ ¥
  if (rest.starts_with("\xE2\x82\xAC") || rest.starts_with("\xE2\x82\xB9")) return 3;  // € ₹
  return 0;
}

// Where both number readers start: `text` without the space around it, with `out` at
// kSyntax until it parses; nullopt (and kTooLong) when it is longer than the bound.
std::optional<std::string_view> bounded_trim(std::string_view text, StatedNumber& out) {
  const std::string_view s = trim_space(text);
  const bool too_long = s.size() > kMaxArithBytes;
  out.status = too_long ? ArithStatus::kTooLong : ArithStatus::kSyntax;
  if (too_long) return std::nullopt;
  return s;
}

}  // namespace

std::string_view arith_status_name(ArithStatus status) {
  switch (status) {
    case ArithStatus::kOk: return "ok";
    case ArithStatus::kSyntax: return "syntax";
    case ArithStatus::kDivisionByZero: return "division_by_zero";
    case ArithStatus::kOverflow: return "overflow";
    case ArithStatus::kTooDeep: return "too_deep";
    case ArithStatus::kTooLong: return "too_long";
  }
  return "?";
}

bool rational_add(const Rational& a, const Rational& b, Rational& out) {
  return make_rational(static_cast<Int128>(a.num) * b.den + static_cast<Int128>(b.num) * a.den,
                       static_cast<Int128>(a.den) * b.den, out);
}

bool rational_sub(const Rational& a, const Rational& b, Rational& out) {
  return rational_add(a, Rational{-b.num, b.den}, out);
}

bool rational_mul(const Rational& a, const Rational& b, Rational& out) {
  return make_rational(static_cast<Int128>(a.num) * b.num, static_cast<Int128>(a.den) * b.den, out);
}

bool rational_div(const Rational& a, const Rational& b, Rational& out) {
  return make_rational(static_cast<Int128>(a.num) * b.den, static_cast<Int128>(a.den) * b.num, out);
}

ArithResult evaluate_arithmetic(std::string_view expression) {
  if (expression.size() > kMaxArithBytes) return ArithResult{{}, ArithStatus::kTooLong, kMaxArithBytes};
  return Parser(expression).run();
}

StatedNumber parse_json_number(std::string_view text) {
  StatedNumber out;
  const std::optional<std::string_view> trimmed = bounded_trim(text, out);
  if (!trimmed) return out;
  const std::string_view s = *trimmed;
  size_t i = 0;
  const bool negative = i < s.size() && s[i] == '-';
  if (negative) ++i;
  // RFC 8259: no '+', no leading zeros, digits on both sides of '.', no thousands commas.
  if (i >= s.size() || !is_digit(s[i])) return out;
  if (s[i] == '0' && digits_at(s, i + 1, 1)) return out;
  size_t j = i;
  while (j < s.size() && is_digit(s[j])) ++j;
  if (j < s.size() && s[j] == '.') {
    if (!digits_at(s, j + 1, 1)) return out;
    for (++j; j < s.size() && is_digit(s[j]);) ++j;
  }
  const Scan number = scan_number(s.substr(0, j), i);
  if (!number.found || number.end != j) return out;
  int64_t exponent = 0;
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    ++j;
    bool exponent_negative = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) exponent_negative = s[j++] == '-';
    if (!digits_at(s, j, 1)) return out;
    for (; j < s.size() && is_digit(s[j]); ++j)
      if (exponent < 100000) exponent = exponent * 10 + (s[j] - '0');
    if (exponent_negative) exponent = -exponent;
  }
  if (j != s.size()) return out;
  const int64_t scale = number.scale - exponent;
  out.decimals = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(number.decimals - exponent, 1000)));
  if (number.too_long || (number.mantissa != 0 && (scale > kMaxScale || scale < -kMaxScale)) ||
      !from_decimal(number.mantissa, static_cast<int>(number.mantissa == 0 ? 0 : scale), negative, out.value)) {
    out.status = ArithStatus::kOverflow;
    return out;
  }
  out.status = ArithStatus::kOk;
  return out;
}

StatedNumber parse_stated_number(std::string_view text) {
  StatedNumber out;
  const std::optional<std::string_view> trimmed = bounded_trim(text, out);
  if (!trimmed) return out;
  const std::string_view s = *trimmed;
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && is_space(s[i])) ++i;
  };
  bool negative = false, has_sign = false;
  if (const size_t n = sign_at(s, i, negative)) {
    i += n;
    has_sign = true;
    skip();
  }
  if (const size_t n = currency_at(s, i)) {
    i += n;
    skip();
    if (!has_sign)
      if (const size_t m = sign_at(s, i, negative)) i += m;
  }
  const Scan number = scan_number(s, i);
  if (!number.found) return out;
  i = number.end;
  Rational value;
  if (number.too_long || !from_decimal(number.mantissa, number.scale, false, value)) {
    out.status = ArithStatus::kOverflow;
    return out;
  }
  out.decimals = number.decimals;
  // "3/4": a fraction of two integers, spaces allowed around '/'.
  size_t k = i;
  while (k < s.size() && is_space(s[k])) ++k;
  if (number.decimals == 0 && k < s.size() && s[k] == '/') {
    ++k;
    while (k < s.size() && is_space(s[k])) ++k;
    const Scan below = scan_number(s, k);
    if (below.found && below.decimals == 0) {
      Rational d;
      if (below.too_long || !from_decimal(below.mantissa, 0, false, d)) {
        out.status = ArithStatus::kOverflow;
        return out;
      }
      if (d.num == 0) {
        out.status = ArithStatus::kDivisionByZero;
        return out;
      }
      if (!rational_div(value, d, value)) {
        out.status = ArithStatus::kOverflow;
        return out;
      }
      i = below.end;
    }
  }
  // Units: the rest may not hold a digit or an operator.
  const std::string_view rest = s.substr(i);
  for (size_t r = 0; r < rest.size(); ++r) {
    const char c = rest[r];
    size_t length = 0;
    const char op = operator_at(rest, r, length);
    if (is_digit(c) || c == '=' || c == '^' || (op != 0 && op != '-')) return out;
  }
  out.value = negative ? Rational{-value.num, value.den} : value;
  out.status = ArithStatus::kOk;
  return out;
}

bool within_half_unit(const Rational& value, const Rational& stated, int decimals) {
  decimals = std::clamp(decimals, 0, 18);
  Rational diff;
  if (rational_sub(stated, value, diff)) {
    // |num| / den <= 10^-decimals / 2  <=>  2 * |num| * 10^decimals <= den, all below 2^127.
    const Int128 lhs = static_cast<Int128>(magnitude(diff.num)) * 2 * static_cast<Int128>(pow10(decimals));
    return lhs <= diff.den;
  }
  // The exact difference does not fit (denominators with a huge common multiple): long
  // double's 64-bit mantissa decides, off only within about 1e-19 of the boundary.
  const long double a = static_cast<long double>(stated.num) / stated.den;
  const long double v = static_cast<long double>(value.num) / value.den;
  return std::fabs(a - v) * 2 <= std::pow(10.0L, -decimals);
}

}  // namespace primer::filters
