// kind = "answer": a math word problem's reply fields (Doc::fields, JSON values), checked
// through the registry as a run config makes the filter. Every drop reason, the documents
// it must keep, its settings and their validation, and its counts in a chain.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "filters/filter.h"
#include "tests/filters/filter_testing.h"

using namespace primer;
using namespace primer::filters;
using filters::testing::make_with;
using filters::testing::Settings;
using filters::testing::text_doc;

namespace {

base::Doc reply(std::vector<std::pair<std::string, std::string>> fields) {
  base::Doc d = text_doc("Sam has 3 bags with 6 apples each. How many apples does Sam have?");
  d.fields = std::move(fields);
  return d;
}

std::string_view verdict(const Filter& f, std::string expression, std::string answer) {
  return f.check(reply({{"expression", std::move(expression)}, {"answer", std::move(answer)}})).reason;
}

}  // namespace

TEST_CASE("answer: keeps a reply whose answer is its expression's value") {
  const auto f = make_with("answer");
  CHECK(f->name() == "answer");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", "18") == "");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", R"j("18")j") == "");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", "18.0") == "");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", "1.8e1") == "");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", R"j("18 apples")j") == "");
  CHECK(verdict(*f, R"j("12 × 3 − 1,000 ÷ 8")j", "-89") == "");
  CHECK(verdict(*f, R"j("4 * 2.50 + 1.25")j", R"j("$11.25")j") == "");
  CHECK(verdict(*f, R"j("1,200 - 250")j", R"j("950")j") == "");
  CHECK(verdict(*f, R"j("3 / 4")j", R"j("3/4")j") == "");
  CHECK(verdict(*f, R"j("3 / 4")j", "0.75") == "");
  CHECK(verdict(*f, R"j("50 * 20%")j", "10") == "");
  CHECK(verdict(*f, "18", "18") == "");  // a bare number is its own expression
  // JSON escapes in the strings are decoded: \u00d7 is ×, \" and \n too.
  CHECK(verdict(*f, R"j("3 \u00d7 6\n")j", R"j("\u002418")j") == "");
  // The fields may come in any order, among others.
  CHECK(f->check(reply({{"title", R"j("Apples")j"}, {"answer", " 18 "}, {"expression", R"( "6 * 3" )"}})).keep());
}

TEST_CASE("answer: a rounded decimal answer matches at its own precision") {
  const auto f = make_with("answer");
  CHECK(verdict(*f, R"j("10 / 3")j", "3.33") == "");
  CHECK(verdict(*f, R"j("10 / 3")j", "3.3") == "");
  CHECK(verdict(*f, R"j("10 / 3")j", R"j("$3.33")j") == "");
  CHECK(verdict(*f, R"j("1 / 3")j", "0.333") == "");
  CHECK(verdict(*f, R"j("2 / 3")j", "0.67") == "");
  CHECK(verdict(*f, R"j("2 / 3")j", "0.66") == "mismatch");  // truncated, not rounded
  CHECK(verdict(*f, R"j("10 / 3")j", "3") == "mismatch");    // no decimals: exact
  CHECK(verdict(*f, R"j("10 / 3")j", "3.0") == "mismatch");
  const auto exact = make_with("answer", Settings().set("rounding", false));
  CHECK(verdict(*exact, R"j("10 / 3")j", "3.33") == "mismatch");
  CHECK(verdict(*exact, R"j("10 / 4")j", "2.5") == "");
}

TEST_CASE("answer: a relative tolerance") {
  const auto f = make_with("answer", Settings().set("tolerance", 0.01).set("rounding", false));
  CHECK(verdict(*f, R"j("1000 / 3")j", "333") == "");  // 0.1% off
  CHECK(verdict(*f, R"j("1000 / 3")j", "331") == "");  // 0.7% off
  CHECK(verdict(*f, R"j("1000 / 3")j", "329") == "mismatch");
  CHECK(verdict(*f, R"j("0")j", "0.001") == "mismatch");  // relative to 0: exact
  CHECK(verdict(*f, R"j("-1000 / 3")j", "-333") == "");
  CHECK(verdict(*f, R"j("-1000 / 3")j", "333") == "mismatch");
}

TEST_CASE("answer: every drop reason") {
  const auto f = make_with("answer");
  CHECK(f->reasons() == std::vector<std::string_view>{"missing_field", "bad_expression", "division_by_zero", "overflow",
                                                      "not_a_number", "mismatch"});
  // missing_field: a document without fields (a story), either field, or null.
  CHECK(f->check(text_doc("Once upon a time there was a cat.")).reason == "missing_field");
  CHECK(f->check(reply({{"expression", R"j("1 + 1")j"}})).reason == "missing_field");
  CHECK(f->check(reply({{"answer", "2"}})).reason == "missing_field");
  CHECK(verdict(*f, "null", "2") == "missing_field");
  CHECK(verdict(*f, R"j("1 + 1")j", " null ") == "missing_field");
  CHECK(verdict(*f, R"j("1 + 1")j", "") == "missing_field");
  // bad_expression: no parse, too deep, too long, not a string, broken JSON.
  for (const std::string& bad : std::vector<std::string>{
           R"j("3 apples * 6")j", R"j("2(3 + 4)")j", R"j("3 * 6 = 18")j", R"j("")j", R"j("2^3")j",
           "\"" + std::string(65, '(') + "1" + std::string(65, ')') + "\"", "\"" + std::string(1001, '1') + "\"",
           "[1, 2]", R"j({"a": 1})j", "true", R"j("3 * 6)j", R"j("\x")j", "1e", "01"}) {
    INFO("expression: ", bad);
    CHECK(verdict(*f, bad, "18") == "bad_expression");
  }
  CHECK(verdict(*f, R"j("18 / (3 - 3)")j", "0") == "division_by_zero");
  CHECK(verdict(*f, R"j("1 / 0")j", R"j("infinity")j") == "division_by_zero");  // the expression first
  CHECK(verdict(*f, R"j("9223372036854775807 + 1")j", "0") == "overflow");
  CHECK(verdict(*f, R"j("2 * 3")j", "1e30") == "overflow");
  CHECK(verdict(*f, R"j("2 * 3")j", R"j("99999999999999999999")j") == "overflow");
  for (const std::string& bad :
       std::vector<std::string>{R"j("six")j", R"j("about 6")j", R"j("6 + 0")j", R"j("")j", "true", "[6]",
                                R"j({"v": 6})j", R"j("3:30")j", R"j("6/0")j", "NaN", "+6"}) {
    INFO("answer: ", bad);
    CHECK(verdict(*f, R"j("2 * 3")j", bad) == "not_a_number");
  }
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", "17") == "mismatch");
  CHECK(verdict(*f, R"j("3 * (4 + 2)")j", R"j("-18")j") == "mismatch");
  CHECK(verdict(*f, R"j("3 * 4 + 2")j", "18") == "mismatch");  // precedence
}

TEST_CASE("answer: field names are settings") {
  const auto f = make_with("answer", Settings().set("expression", "work").set("answer", "result"));
  CHECK(f->check(reply({{"work", R"j("7 * 6")j"}, {"result", "42"}})).keep());
  CHECK(f->check(reply({{"expression", R"j("7 * 6")j"}, {"answer", "42"}})).reason == "missing_field");
  CHECK_THROWS_WITH(make_with("answer", Settings().set("expression", "")), doctest::Contains("expression"));
  CHECK_THROWS_WITH(make_with("answer", Settings().set("answer", "expression")), doctest::Contains("answer"));
  CHECK_THROWS_WITH(make_with("answer", Settings().set("tolerance", 1.5)), doctest::Contains("between 0 and 1"));
  CHECK_THROWS_WITH(make_with("answer", Settings().set("tolerance", -0.1)), doctest::Contains("tolerance"));
}

TEST_CASE("answer: counted per reason in a chain") {
  std::vector<std::unique_ptr<Filter>> list;
  list.push_back(make_with("answer"));
  FilterChain chain(std::move(list));
  const std::vector<base::Doc> docs = {
      reply({{"expression", R"j("6 * 3")j"}, {"answer", "18"}}),
      reply({{"expression", R"j("6 * 3")j"}, {"answer", "19"}}),
      reply({{"expression", R"j("6 / 0")j"}, {"answer", "0"}}),
      reply({{"expression", R"j("6 * 3")j"}, {"answer", R"j("lots")j"}}),
      text_doc("no fields"),
  };
  for (const auto& d : docs) chain.decide(chain.prepare(d));
  const FilterCounts& c = chain.counts().at(0);
  CHECK(c.seen == 5);
  CHECK(c.kept == 1);
  const auto dropped = [&](std::string_view reason) {
    for (const auto& [r, n] : c.dropped)
      if (r == reason) return n;
    return uint64_t{999};
  };
  CHECK(dropped("mismatch") == 1);
  CHECK(dropped("division_by_zero") == 1);
  CHECK(dropped("not_a_number") == 1);
  CHECK(dropped("missing_field") == 1);
  CHECK(dropped("overflow") == 0);
  CHECK(dropped("bad_expression") == 0);
}
