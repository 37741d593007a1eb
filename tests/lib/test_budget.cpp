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
