// The synthetic source: its computed entropy rate against a direct estimate from samples.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "lib/error.hpp"
#include "trainer/markov_source.hpp"

using namespace scalelab::trainer;

TEST_CASE("one successor per context: entropy rate 0, deterministic text") {
  MarkovOptions o;
  o.vocab_size = 5;
  o.order = 2;
  o.branching = 1;
  const MarkovSource s(o);
  CHECK(s.entropy_rate() == doctest::Approx(0.0));
}

TEST_CASE("order 1, full branching: H = Σ π(c) H(p(·|c)) with π stationary") {
  MarkovOptions o;
  o.vocab_size = 6;
  o.order = 1;
  o.branching = 6;
  const MarkovSource s(o);
  const auto& pi = s.stationary();
  CHECK(std::accumulate(pi.begin(), pi.end(), 0.0) == doctest::Approx(1.0));
  CHECK(s.entropy_rate() > 0.5);
  CHECK(s.entropy_rate() < std::log(6.0));
}

TEST_CASE("the entropy rate matches the empirical conditional entropy of a long sample") {
  MarkovOptions o;
  o.vocab_size = 32;  // 1024 contexts, order 2, branching 4
  const MarkovSource s(o);
  const std::int64_t n = 2'000'000;
  std::vector<std::int32_t> x(n);
  s.sample(99, x.data(), n);
  // Plug-in estimate of H(X_t | X_{t-2}, X_{t-1}) from counts.
  std::map<std::int64_t, std::map<int, std::int64_t>> counts;
  for (std::int64_t t = 2; t < n; ++t) counts[x[t - 2] * 32 + x[t - 1]][x[t]]++;
  double h = 0;
  for (const auto& [ctx, next] : counts) {
    std::int64_t total = 0;
    for (const auto& [tok, c] : next) total += c;
    for (const auto& [tok, c] : next)
      h -= static_cast<double>(c) / (n - 2) * std::log(static_cast<double>(c) / total);
  }
  MESSAGE("computed " << s.entropy_rate() << ", empirical " << h);
  CHECK(h == doctest::Approx(s.entropy_rate()).epsilon(0.01));
  CHECK(std::all_of(x.begin(), x.end(), [](std::int32_t t) { return t >= 0 && t < 32; }));
}

TEST_CASE("bad options are input errors") {
  MarkovOptions o;
  o.branching = 40;
  CHECK_THROWS_AS(MarkovSource{o}, scalelab::InputError);
  o = {};
  o.order = 9;
  CHECK_THROWS_AS(MarkovSource{o}, scalelab::InputError);
}
