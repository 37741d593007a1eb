#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "lib/budget.hpp"
#include "lib/error.hpp"

using namespace scalelab;

TEST_CASE("budgets in FLOPs, PF-days and accelerator-hours") {
  CHECK(parse_budget("1e21") == 1e21);
  CHECK(parse_budget("1e21 FLOPs") == 1e21);
  CHECK(parse_budget("1e21 flop") == 1e21);
  CHECK(parse_budget(" 2.5e19FLOPs ") == 2.5e19);
  CHECK(parse_budget("3.5 PF-days") == doctest::Approx(3.5 * 8.64e19).epsilon(1e-15));
  CHECK(parse_budget("1 pf-day") == 8.64e19);
  BudgetOptions o;
  o.mfu = 0.5;
  CHECK(parse_budget("1000 H100-hours", o) == doctest::Approx(1000 * 3600 * 989e12 * 0.5));
  CHECK(parse_budget("10 a100-hour", o) == doctest::Approx(10 * 3600 * 312e12 * 0.5));
  CHECK(parse_budget("10 H200 hours", o) == doctest::Approx(10 * 3600 * 989e12 * 0.5));
}

TEST_CASE("every malformed budget is rejected with the argument named") {
  for (const std::string bad : {"", "abc", "-5", "0", "0 FLOPs", "nan", "inf", "-inf", "1e400",
                                "1e21 bananas", "5 X100-hours", "1e21 FLOPs extra", "--1"}) {
    CAPTURE(bad);
    try {
      parse_budget(bad);
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("--budget") == 0);
      CHECK(e.exit_code() == 2);
    }
  }
  BudgetOptions o;
  o.mfu = 1.5;
  CHECK_THROWS_AS(parse_budget("10 H100-hours", o), InputError);
}

TEST_CASE("budget lists and log ranges") {
  const auto b = parse_budget_list({"1e17:1e19:3", "5e20"});
  REQUIRE(b.size() == 4);
  CHECK(b[0] == 1e17);
  CHECK(b[1] == doctest::Approx(1e18).epsilon(1e-12));
  CHECK(b[2] == 1e19);
  CHECK(b[3] == 5e20);
  CHECK_THROWS_AS(parse_budget_list({"1e19:1e17:3"}), InputError);
  CHECK_THROWS_AS(parse_budget_list({"1e17:1e19:1"}), InputError);
  CHECK_THROWS_AS(parse_budget_list({"1e17:1e19"}), InputError);
  CHECK_THROWS_AS(parse_budget_list({"1e17:1e19:x"}), InputError);
  CHECK_THROWS_AS(parse_budget_list({"1e17:1e19:3:4"}), InputError);
  CHECK_THROWS_AS(parse_budget_list({}), InputError);
}

TEST_CASE("counts with SI suffixes: 50M, 3.3B, 1.5T, 160m, 5e7") {
  CHECK(parse_count("50M", "N") == 5e7);
  CHECK(parse_count("3.3B", "D") == 3.3e9);  // correctly rounded: read as 3.3e9
  CHECK(parse_count("2.3b", "D") == 2.3e9);
  CHECK(parse_count("1.5T", "D") == 1.5e12);
  CHECK(parse_count("160m", "N") == 1.6e8);
  CHECK(parse_count("7G", "N") == 7e9);
  CHECK(parse_count("2k", "N") == 2e3);
  CHECK(parse_count(" 5e7 ", "N") == 5e7);
  CHECK(parse_count("1e3k", "N") == 1e6);
  auto error_of = [](const char* text) {
    try {
      parse_count(text, "N");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("0") ==
        "N: '0' is not positive (accepted: a positive number, optionally with k, M, B or T, "
        "e.g. 50M, 3.3B, 5e7)");
  CHECK(error_of("-1M").find("is not positive") != std::string::npos);
  CHECK(error_of("abc").find("N: 'abc' is not a number") == 0);
  CHECK(error_of("").find("is empty") != std::string::npos);
  CHECK(error_of("5Q").find("unknown suffix 'q'") != std::string::npos);
  CHECK(error_of("nan").find("not finite") != std::string::npos);
  CHECK(error_of("infM").find("not finite") != std::string::npos);
}
