// filters/arith.h: the exact evaluator of a reply's arithmetic, its number readers, and
// what it does with hostile input (errors as results, never a crash or an exception).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "filters/arith.h"

using namespace primer::filters;

namespace {

Rational q(int64_t num, int64_t den = 1) { return Rational{num, den}; }

// The value, or a failure naming the status and where it stopped.
Rational value_of(std::string_view expression) {
  const ArithResult r = evaluate_arithmetic(expression);
  INFO("expression: ", expression, " status: ", arith_status_name(r.status), " at ", r.offset);
  REQUIRE(r.ok());
  return r.value;
}

ArithStatus status_of(std::string_view expression) { return evaluate_arithmetic(expression).status; }

}  // namespace

TEST_CASE("arith: integers, precedence, parentheses and unary minus") {
  CHECK(value_of("18") == q(18));
  CHECK(value_of("3 * (4 + 2)") == q(18));
  CHECK(value_of("3 * 4 + 2") == q(14));
  CHECK(value_of("2 + 3 * 4") == q(14));
  CHECK(value_of("10 - 4 - 3") == q(3));    // left associative
  CHECK(value_of("100 / 10 / 5") == q(2));  // left associative
  CHECK(value_of("8 / 2 * 4") == q(16));
  CHECK(value_of("-3") == q(-3));
  CHECK(value_of("-3 * -2") == q(6));
  CHECK(value_of("- - 4") == q(4));
  CHECK(value_of("+4") == q(4));
  CHECK(value_of("5 - -2") == q(7));
  CHECK(value_of("-(2 + 3)") == q(-5));
  CHECK(value_of("((((7))))") == q(7));
  CHECK(value_of(" \t12\n+\r1 ") == q(13));
  CHECK(value_of("0") == q(0));
  CHECK(value_of("-0") == q(0));
  CHECK(value_of("007 + 1") == q(8));
  CHECK(value_of("(5 - 2) * (4 + 6) / 3") == q(10));
}

TEST_CASE("arith: exact rationals") {
  CHECK(value_of("1 / 3") == q(1, 3));
  CHECK(value_of("1 / 3 * 3") == q(1));
  CHECK(value_of("0.1 + 0.2") == q(3, 10));
  CHECK(value_of("0.1 + 0.2 - 0.3") == q(0));
  CHECK(value_of("2 / 4") == q(1, 2));
  CHECK(value_of("-6 / 4") == q(-3, 2));
  CHECK(value_of("6 / -4") == q(-3, 2));
  CHECK(value_of("-6 / -4") == q(3, 2));
  CHECK(value_of("1/7 + 1/7 * 6") == q(1));
  CHECK(value_of("2.50 * 4") == q(10));
  CHECK(value_of(".5 + .25") == q(3, 4));
  CHECK(value_of("12.000") == q(12));
  CHECK(value_of("3.14159") == q(314159, 100000));
  // Intermediates beyond int64 are fine while the reduced result fits: 128-bit products.
  CHECK(value_of("3037000499 * 3037000499 / 3037000499") == q(3037000499));
  CHECK(value_of("1 / 4000000000 + 1 / 4000000000") == q(1, 2000000000));
  CHECK(value_of("9223372036854775807 - 1 + 1") == q(INT64_MAX));
  CHECK(value_of("-9223372036854775807") == q(-INT64_MAX));
  CHECK(value_of("0.000000000000000001 * 1000000000000000000") == q(1));
}

TEST_CASE("arith: thousands separators, × ÷ −, percent") {
  CHECK(value_of("1,000") == q(1000));
  CHECK(value_of("1,000 + 12,345,678") == q(12346678));
  CHECK(value_of("12,345.5") == q(24691, 2));
  CHECK(value_of("999,999") == q(999999));
  CHECK(value_of("12 × 3") == q(36));
  CHECK(value_of("12 ÷ 3") == q(4));
  CHECK(value_of("12 − 3") == q(9));
  CHECK(value_of("−3 × −3") == q(9));
  CHECK(value_of("12×3÷4−1") == q(8));
  CHECK(value_of("20%") == q(1, 5));
  CHECK(value_of("50 * 20%") == q(10));
  CHECK(value_of("200 + 10%") == q(2001, 10));  // % divides its primary, never "of the sum"
  CHECK(value_of("-50%") == q(-1, 2));
  CHECK(value_of("(30 + 20)%") == q(1, 2));
  CHECK(value_of("12 × 3 − 1,000 / 8") == q(-89));
}

TEST_CASE("arith: syntax errors, with where parsing stopped") {
  for (const char* bad :
       {"",         " ",        "+",      "-",       "3 +",      "* 3",      "3 * * 4", "(3 + 4",
        "3 + 4)",   "()",       "(",      ")",       "2(3 + 4)", "(2)(3)",   "3 4",     "3 = 3",
        "2^3",      "2 ** 3",   "1e3",    "x + 1",   "$3 + 4",   "3 apples", "1,5",     "1,0000",
        "1234,567", "1,000,00", ",5",     "1,",      "5.",       "5..5",     "1.2.3",   "50%%",
        "% 5",      "3 mod 2",  "3 // 2", "sqrt(4)", "3 x 4",    "٣ + 1",    "3\xC3",   "3 \xE2\x88"}) {
    const std::string text = bad;
    INFO("expression: '", text, "'");
    const ArithResult r = evaluate_arithmetic(text);
    CHECK(r.status == ArithStatus::kSyntax);
    CHECK(r.offset <= text.size());
  }
  CHECK(status_of(std::string("12\0", 3)) == ArithStatus::kSyntax);
  CHECK(evaluate_arithmetic("3 + 4)").offset == 5);
  CHECK(evaluate_arithmetic("3 * * 4").offset == 4);
  CHECK(evaluate_arithmetic("1,5").offset == 1);
}

TEST_CASE("arith: division by zero and overflow are results; syntax outranks them") {
  CHECK(status_of("1 / 0") == ArithStatus::kDivisionByZero);
  CHECK(status_of("1 ÷ (2 - 2)") == ArithStatus::kDivisionByZero);
  CHECK(status_of("0 / 0") == ArithStatus::kDivisionByZero);
  CHECK(status_of("1 / 0.000") == ArithStatus::kDivisionByZero);
  CHECK(status_of("(1 / 0) * 0") == ArithStatus::kDivisionByZero);  // no recovery by multiplying
  CHECK(status_of("1 / 0 +") == ArithStatus::kSyntax);
  CHECK(status_of("1 / 0 + (2") == ArithStatus::kSyntax);
  CHECK(status_of("9223372036854775808") == ArithStatus::kOverflow);
  CHECK(status_of("9223372036854775807 + 1") == ArithStatus::kOverflow);
  CHECK(status_of("-9223372036854775807 - 1") == ArithStatus::kOverflow);  // INT64_MIN is refused too
  CHECK(status_of("4294967296 * 4294967296") == ArithStatus::kOverflow);
  CHECK(status_of("1 / 9223372036854775807 / 2") == ArithStatus::kOverflow);
  CHECK(status_of("0.0000000000000000000001") == ArithStatus::kOverflow);
  CHECK(status_of("123456789012345678901234567890123456789") == ArithStatus::kOverflow);
  CHECK(status_of("0.0000000000000000000000000000000000000000000000000000000") == ArithStatus::kOk);
  std::string repeated = "99999";
  for (int i = 0; i < 10; ++i) repeated += " * 99999";
  CHECK(status_of(repeated) == ArithStatus::kOverflow);
  // The first arithmetic error is the one reported.
  CHECK(status_of("1 / 0 + 9223372036854775807 * 2") == ArithStatus::kDivisionByZero);
  CHECK(status_of("9223372036854775807 * 2 + 1 / 0") == ArithStatus::kOverflow);
}

TEST_CASE("arith: hostile input is refused as a result") {
  // Nesting: 64 levels parse, 65 do not (and a million would not reach the stack).
  const auto nested = [](int depth) { return std::string(depth, '(') + "1" + std::string(depth, ')'); };
  CHECK(value_of(nested(kMaxArithDepth)) == q(1));
  CHECK(status_of(nested(kMaxArithDepth + 1)) == ArithStatus::kTooDeep);
  CHECK(status_of(std::string(400, '(')) == ArithStatus::kTooDeep);
  CHECK(status_of(std::string(1'000'000, '(')) == ArithStatus::kTooLong);
  // Length: 1,000 bytes are read, 1,001 are not.
  std::string sum = "1";
  while (sum.size() + 4 <= kMaxArithBytes) sum += " + 1";
  sum += std::string(kMaxArithBytes - sum.size(), ' ');
  REQUIRE(sum.size() == kMaxArithBytes);
  CHECK(value_of(sum) == q(250));
  CHECK(status_of(sum + " ") == ArithStatus::kTooLong);
  // Unary signs are counted in a loop: 999 minus signs, no recursion.
  CHECK(value_of(std::string(999, '-') + "1") == q(-1));
  CHECK(value_of(std::string(998, '-') + "1") == q(1));
  // Binary junk, every byte value.
  std::string junk;
  for (int c = 0; c < 256; ++c) junk.push_back(static_cast<char>(c));
  CHECK(status_of(junk) == ArithStatus::kSyntax);
  CHECK(status_of(std::string(999, '9')) == ArithStatus::kOverflow);
  CHECK(status_of(std::string(999, '%')) == ArithStatus::kSyntax);
  CHECK(status_of(std::string(999, ',')) == ArithStatus::kSyntax);
}

TEST_CASE("arith: random expressions agree with a long double evaluation") {
  // Random trees of small integers, decimals and zeros, printed fully parenthesised with
  // every spelling of the operators, against a floating-point evaluation of the same tree.
  // Trees where floating point is unreliable (a sum that cancels to a millionth of its
  // terms) are skipped; a division by an exact zero must be reported as one.
  std::mt19937_64 rng(22);
  struct Out {
    std::string text;
    long double value = 0;
    bool div_zero = false;
    bool ill = false;
  };
  std::function<Out(int)> make = [&](int depth) -> Out {
    if (depth == 0 || rng() % 3 == 0) {
      if (rng() % 16 == 0) return {rng() % 2 ? "0" : "0.00", 0};
      const int64_t n = static_cast<int64_t>(rng() % 2000) - 1000;
      const int64_t m = n < 0 ? -n : n;
      char leaf[32];
      if (rng() % 4 == 0) {  // a decimal with two places
        std::snprintf(leaf, sizeof leaf, "(%s%lld.%02lld)", n < 0 ? "-" : "", static_cast<long long>(m / 100),
                      static_cast<long long>(m % 100));
        return {leaf, static_cast<long double>(n) / 100};
      }
      std::snprintf(leaf, sizeof leaf, "(%lld)", static_cast<long long>(n));
      return {leaf, static_cast<long double>(n)};
    }
    const Out a = make(depth - 1), b = make(depth - 1);
    const int op = static_cast<int>(rng() % 4);
    const char* spelled[4][2] = {{" + ", "+"}, {" - ", " \xE2\x88\x92 "}, {" * ", "\xC3\x97"}, {" / ", " \xC3\xB7 "}};
    Out out{"(", 0, a.div_zero || b.div_zero, a.ill || b.ill};
    ((out.text += a.text) += spelled[op][rng() % 2]) += b.text;
    out.text += ')';
    if (op == 0) out.value = a.value + b.value;
    if (op == 1) out.value = a.value - b.value;
    if (op < 2 && std::fabs(out.value) < 1e-6L * std::max(std::fabs(a.value), std::fabs(b.value))) out.ill = true;
    if (op == 2) out.value = a.value * b.value;
    if (op == 3) {
      if (b.value == 0) out.div_zero = true;
      else out.value = a.value / b.value;
    }
    return out;
  };
  int checked = 0, zeros = 0;
  for (int i = 0; i < 3000; ++i) {
    const Out e = make(4);
    if (e.ill) continue;
    const ArithResult r = evaluate_arithmetic(e.text);
    INFO("expression: ", e.text);
    if (e.div_zero) {
      CHECK(r.status == ArithStatus::kDivisionByZero);
      ++zeros;
      continue;
    }
    if (r.status == ArithStatus::kOverflow) continue;
    REQUIRE(r.ok());
    const long double got = static_cast<long double>(r.value.num) / r.value.den;
    CHECK(std::fabs(got - e.value) <= 1e-9L * std::max(1.0L, std::fabs(e.value)));
    ++checked;
  }
  MESSAGE("random expressions: ", checked, " compared, ", zeros, " divisions by zero");
  CHECK(checked > 2000);
  CHECK(zeros > 20);
}

TEST_CASE("arith: rational operations keep lowest terms and refuse overflow") {
  Rational out{7, 7};
  CHECK(rational_add(q(1, 6), q(1, 3), out));
  CHECK(out == q(1, 2));
  CHECK(rational_mul(q(2, 3), q(3, 4), out));
  CHECK(out == q(1, 2));
  CHECK(rational_div(q(1, 2), q(-1, 4), out));
  CHECK(out == q(-2));
  CHECK(rational_sub(q(1, 2), q(1, 2), out));
  CHECK(out == q(0));
  out = q(5);
  CHECK_FALSE(rational_div(q(1), q(0), out));
  CHECK_FALSE(rational_mul(q(INT64_MAX), q(2), out));
  CHECK_FALSE(rational_add(q(1, INT64_MAX), q(1, INT64_MAX - 1), out));
  CHECK(out == q(5));  // unchanged on failure
}

TEST_CASE("arith: JSON numbers, exactly") {
  const auto json = [](std::string_view t) {
    const StatedNumber n = parse_json_number(t);
    INFO("number: ", t, " status: ", arith_status_name(n.status));
    REQUIRE(n.ok());
    return n;
  };
  CHECK(json("18").value == q(18));
  CHECK(json("18").decimals == 0);
  CHECK(json("-0.25").value == q(-1, 4));
  CHECK(json("-0.25").decimals == 2);
  CHECK(json("18.0").value == q(18));
  CHECK(json("18.0").decimals == 1);
  CHECK(json(" 1.5e3 ").value == q(1500));
  CHECK(json("1.5e3").decimals == 0);
  CHECK(json("15E-1").value == q(3, 2));
  CHECK(json("15E-1").decimals == 1);
  CHECK(json("2.5e+1").value == q(25));
  CHECK(json("0e999999999").value == q(0));
  CHECK(json("0.3333").value == q(3333, 10000));
  for (const char* bad : {"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "--1", "1,000", "0x10", "1 2", "NaN",
                          "Infinity", "\"18\"", "true", "1.5.5"}) {
    INFO("number: '", bad, "'");
    CHECK(parse_json_number(bad).status == ArithStatus::kSyntax);
  }
  CHECK(parse_json_number("1e30").status == ArithStatus::kOverflow);
  CHECK(parse_json_number("1e-30").status == ArithStatus::kOverflow);
  CHECK(parse_json_number("1e99999999999999999999").status == ArithStatus::kOverflow);
  CHECK(parse_json_number("9223372036854775808").status == ArithStatus::kOverflow);
}

TEST_CASE("arith: numbers as replies state them") {
  const auto stated = [](std::string_view t) {
    const StatedNumber n = parse_stated_number(t);
    INFO("answer: ", t, " status: ", arith_status_name(n.status));
    REQUIRE(n.ok());
    return n;
  };
  CHECK(stated("18").value == q(18));
  CHECK(stated(" 18 ").value == q(18));
  CHECK(stated("$1,250.50").value == q(2501, 2));
  CHECK(stated("$1,250.50").decimals == 2);
  CHECK(stated("-$5").value == q(-5));
  CHECK(stated("$-5").value == q(-5));
  CHECK(stated("− 5").value == q(-5));
  CHECK(stated("+5").value == q(5));
  CHECK(stated("€3.5").value == q(7, 2));
  CHECK(stated("£12").value == q(12));
  CHECK(stated("¥100").value == q(100));
  CHECK(stated("₹100").value == q(100));
  CHECK(stated("12 apples").value == q(12));
  CHECK(stated("12 apples.").value == q(12));
  CHECK(stated("12.").value == q(12));
  CHECK(stated("-3.5 km").value == q(-7, 2));
  CHECK(stated("5km").value == q(5));
  CHECK(stated("25%").value == q(25));
  CHECK(stated("3/4").value == q(3, 4));
  CHECK(stated("3 / 4 of a pie").value == q(3, 4));
  CHECK(stated("-6/4").value == q(-3, 2));
  CHECK(stated("1,000").value == q(1000));
  CHECK(stated("0.333").decimals == 3);
  CHECK(stated("5-year-olds").value == q(5));
  for (const char* bad :
       {"",  "apples", "about 12", "The answer is 12", "12 + 3", "12 - 3", "1 1/2", "3:30",  "1,50",   "1234,567",
        "$", "-",      "3/4.5",    "12 = 12",          "2^3",    "12 × 2", "x",     "1/2/3", "twelve", "12 and 3"}) {
    INFO("answer: '", bad, "'");
    CHECK(parse_stated_number(bad).status == ArithStatus::kSyntax);
  }
  CHECK(parse_stated_number("3/0").status == ArithStatus::kDivisionByZero);
  CHECK(parse_stated_number("99999999999999999999").status == ArithStatus::kOverflow);
  CHECK(parse_stated_number(std::string(2000, '1')).status == ArithStatus::kTooLong);
}

TEST_CASE("arith: within half a unit of the stated precision") {
  CHECK(within_half_unit(q(1, 3), q(333, 1000), 3));
  CHECK(within_half_unit(q(1, 3), q(33, 100), 2));
  CHECK(within_half_unit(q(2, 3), q(67, 100), 2));
  CHECK_FALSE(within_half_unit(q(2, 3), q(66, 100), 2));
  CHECK(within_half_unit(q(2125, 1000), q(213, 100), 2));  // ties count either way
  CHECK(within_half_unit(q(2125, 1000), q(212, 100), 2));
  CHECK_FALSE(within_half_unit(q(2126, 1000), q(212, 100), 2));
  CHECK(within_half_unit(q(-1, 3), q(-33, 100), 2));
  CHECK_FALSE(within_half_unit(q(1, 3), q(-33, 100), 2));
  CHECK(within_half_unit(q(1, 3), q(0), 0));  // at 0 places too (the filter asks only for d >= 1)
  CHECK_FALSE(within_half_unit(q(2, 3), q(0), 0));
  // Denominators whose common multiple does not fit: decided in long double.
  // 1/999999999989 (a prime) against 10^-12 at 18 places: the exact difference needs a
  // denominator near 10^24.
  CHECK(within_half_unit(q(1, 999999999989), q(1, 1000000000000), 18));
  CHECK_FALSE(within_half_unit(q(1, 999999999989), q(1, 500000000000), 18));
  CHECK(within_half_unit(q(1, 9223372036854775783), q(0), 18));
}
