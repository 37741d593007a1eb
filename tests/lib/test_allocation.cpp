#include <doctest/doctest.h>

#include <cmath>

#include "lib/allocation.hpp"
#include "lib/error.hpp"

using namespace scalelab;

TEST_CASE("ratio rule spends the whole budget") {
  const AllocationRule rule = make_allocation_rule("ratio", 20);
  for (double c : {1e15, 1e19, 1e21, 1e25}) {
    const Allocation a = rule.allocate(c);
    CHECK(a.params == doctest::Approx(std::sqrt(c / 120)).epsilon(1e-15));
    CHECK(std::fabs(6 * a.params * a.tokens / c - 1) < 1e-12);
    CHECK(a.tokens_per_param() == doctest::Approx(20).epsilon(1e-12));
  }
  CHECK_THROWS_AS(make_allocation_rule("ratio", 0), InputError);
  CHECK_THROWS_AS(make_allocation_rule("ratio", NAN), InputError);
}

TEST_CASE("closed-form Chinchilla allocation") {
  const AllocationRule rule = make_allocation_rule("epoch2024");
  const Allocation a = rule.allocate(1e21);
  CHECK(std::fabs(6 * a.params * a.tokens / 1e21 - 1) < 1e-12);
  // (αA/(βB))^(1/(α+β))·(C/6)^(β/(α+β)) gives about 21.6 tokens per parameter at 1e21.
  CHECK(a.tokens_per_param() == doctest::Approx(21.59).epsilon(2e-3));
  // The optimum minimises the law along the IsoFLOP curve: nudging N either way is worse.
  const ChinchillaLaw& law = rule.chinchilla;
  const double best = law.loss(a.params, a.tokens);
  CHECK(law.loss(a.params * 1.05, a.tokens / 1.05) > best);
  CHECK(law.loss(a.params / 1.05, a.tokens * 1.05) > best);
  // The closed form agrees with a brute-force scan of Hoffmann's law along the IsoFLOP curve.
  const AllocationRule h = make_allocation_rule("hoffmann2022");
  double best_n = 0, best_loss = 1e300;
  for (double log_n = 8; log_n < 11; log_n += 1e-4) {
    const double n = std::pow(10.0, log_n), l = h.chinchilla.loss(n, 1e21 / (6 * n));
    if (l < best_loss) best_loss = l, best_n = n;
  }
  CHECK(h.allocate(1e21).params == doctest::Approx(best_n).epsilon(1e-3));
}

TEST_CASE("Kaplan allocation and law") {
  const AllocationRule rule = make_allocation_rule("kaplan2020");
  const Allocation a = rule.allocate(8.64e19);  // 1 PF-day
  CHECK(a.params == doctest::Approx(1.3e9));
  CHECK(6 * a.params * a.tokens == doctest::Approx(8.64e19));
  // L(N, ∞) = (N_c/N)^α_N.
  CHECK(kKaplan2020.loss(1e9, 1e300) == doctest::Approx(std::pow(8.8e13 / 1e9, 0.076)));
  CHECK_THROWS_AS(make_allocation_rule("chinchilla"), InputError);
}
