// fitting/compare.hpp against hand calculations with Epoch AI's published law (Besiroglu et
// al. 2024): L = E + A/N^alpha + B/D^beta, N_opt = G (C/6)^(beta/(alpha+beta)),
// G = (alpha A / (beta B))^(1/(alpha+beta)), D_opt = C / (6 N_opt).
#include <doctest/doctest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "fitting/compare.hpp"
#include "lib/error.hpp"
#include "lib/scaling_law.hpp"
#include "tests/support/input_error.hpp"
#include "tests/support/temp_files.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

using scalelab::testing::input_error_of;

namespace {

constexpr double E = 1.8172, A = 482.01, B = 2085.43, alpha = 0.3478, beta = 0.3658;

double loss(double n, double d) { return E + A / std::pow(n, alpha) + B / std::pow(d, beta); }
double n_opt(double c) {
  const double g = std::pow(alpha * A / (beta * B), 1 / (alpha + beta));
  return g * std::pow(c / 6, beta / (alpha + beta));
}

CompareLaw epoch() { return published_law_as_fit(find_published_law("epoch2024")); }

std::vector<CompareConfig> seeds_configs() {
  // The calculators' example: Kaplan-style, Chinchilla-style and balanced.
  return {parse_compare_config("50M:3.3B"), parse_compare_config("25M:6.6B"),
          parse_compare_config("35M:4.7B")};
}

}  // namespace

TEST_CASE("compare: the seeds' three configurations by hand, best nearest the compute-optimal N") {
  const Comparison c = compare_configs(epoch(), seeds_configs());
  REQUIRE(c.rows.size() == 3);
  const double n[] = {5e7, 2.5e7, 3.5e7}, d[] = {3.3e9, 6.6e9, 4.7e9};
  for (int i = 0; i < 3; ++i) {
    const ComparedConfig& r = c.rows[i];
    const double flops = 6 * n[i] * d[i];
    CHECK(r.config.params == n[i]);
    CHECK(r.config.tokens == d[i]);
    CHECK(r.flops == flops);
    CHECK(r.tokens_per_param == doctest::Approx(d[i] / n[i]).epsilon(1e-15));
    CHECK(r.loss.value == doctest::Approx(loss(n[i], d[i])).epsilon(1e-13));
    CHECK_FALSE(r.loss.interval);  // a published law has no bootstrap
    const double no = n_opt(flops);
    CHECK(r.optimal.params.value == doctest::Approx(no).epsilon(1e-12));
    CHECK(r.optimal.tokens.value == doctest::Approx(flops / (6 * no)).epsilon(1e-12));
    CHECK(r.optimal.loss.value == doctest::Approx(loss(no, flops / (6 * no))).epsilon(1e-13));
    CHECK(r.excess_loss.value ==
          doctest::Approx(loss(n[i], d[i]) - loss(no, flops / (6 * no))).epsilon(1e-9));
    CHECK(r.excess_loss.value > 0);
    CHECK_FALSE(r.scratch_loss);
    CHECK_FALSE(r.cheapest);
    CHECK(r.inference_flops == 0);
  }
  // By hand: C = 9.9e17 (9.87e17 for 35M), N_opt = 80.1M; losses 3.5172, 3.6392, 3.5675.
  CHECK(c.rows[0].flops == 9.9e17);
  CHECK(c.rows[0].optimal.params.value == doctest::Approx(8.0118e7).epsilon(1e-4));
  CHECK(c.rows[0].loss.value == doctest::Approx(3.51718).epsilon(1e-5));
  CHECK(c.rows[1].loss.value == doctest::Approx(3.63919).epsilon(1e-5));
  CHECK(c.rows[2].loss.value == doctest::Approx(3.56746).epsilon(1e-5));
  // The best is the 50M row, the one nearest N_opt (in log N), and the only one marked.
  CHECK(c.best == 0);
  CHECK(c.best_by == "excess_loss");
  CHECK(c.rows[0].best);
  CHECK_FALSE(c.rows[1].best);
  CHECK_FALSE(c.rows[2].best);
  std::size_t nearest = 0;
  for (std::size_t i = 1; i < 3; ++i)
    if (std::fabs(std::log(c.rows[i].config.params / c.rows[i].optimal.params.value)) <
        std::fabs(std::log(c.rows[nearest].config.params / c.rows[nearest].optimal.params.value)))
      nearest = i;
  CHECK(c.best == nearest);
}

TEST_CASE("compare: CONFIG text, tokens per parameter, one-line rejections") {
  const CompareConfig c = parse_compare_config("25M:20x");
  CHECK(c.params == 2.5e7);
  CHECK(c.tokens == 5e8);
  CHECK(c.label == "25M:20x");
  CHECK(parse_compare_config("5e7:3.3e9").tokens == 3.3e9);
  CHECK(parse_compare_config("1.5B:1T").params == 1.5e9);
  CHECK(input_error_of([] { parse_compare_config("0:1e9"); }) ==
        "CONFIG '0:1e9': N: '0' is not positive (accepted: a positive number, optionally with "
        "k, M, B or T, e.g. 50M, 3.3B, 5e7)");
  CHECK(input_error_of([] {
          parse_compare_config("abc");
        }).find("CONFIG 'abc': expected N:D, e.g. 50M:3.3B") == 0);
  CHECK(input_error_of([] {
          parse_compare_config("1e6:-1e9");
        }).find("CONFIG '1e6:-1e9': D: '-1e9' is not positive") == 0);
  CHECK(input_error_of([] { parse_compare_config("1e6:1e9:3"); }).find("expected N:D") !=
        std::string::npos);
  CHECK(input_error_of([] {
          parse_compare_config("50M:-20x");
        }).find("CONFIG '50M:-20x': D (tokens per parameter): '-20' is not positive") == 0);
  CHECK(input_error_of([] { parse_compare_config("50Q:1B"); }).find("unknown suffix 'q'") !=
        std::string::npos);
  // Laws that do not split a budget cannot be compared.
  CompareLaw power_c;
  power_c.law = &find_law("power-c");
  power_c.x = {0, 1, 0.3};
  CHECK(input_error_of([&] {
          compare_configs(power_c, seeds_configs());
        }).find("compare needs a law of N and D") == 0);
  CHECK(input_error_of([&] { compare_configs(epoch(), {}); }).find("no configuration") == 0);
}

TEST_CASE("compare: configurations from a CSV, with file:line in its errors") {
  using scalelab::testing::write_text_file;
  const std::filesystem::path dir = scalelab::testing::fresh_temp_dir("compare_csv");
  const std::string good = write_text_file(
      dir / "good.csv", "label,N,D,pretrained_tokens\nkaplan,50M,3.3B,\nchinchilla,25M,20x,1B\n");
  const std::string bad = write_text_file(dir / "bad.csv", "N,D\n50M,3.3B\n25M,lots\n");
  const auto configs = read_compare_csv(good);
  REQUIRE(configs.size() == 2);
  CHECK(configs[0].label == "kaplan");
  CHECK(configs[0].pretrained_tokens == 0);
  CHECK(configs[1].tokens == 5e8);
  CHECK(configs[1].pretrained_tokens == 1e9);
  CHECK(input_error_of([&] {
          read_compare_csv(bad);
        }).find(bad + ":3: D: 'lots' is not a number") == 0);
  write_text_file(bad, "N,D,loss\n50M,3.3B,3\n");
  CHECK(input_error_of([&] { read_compare_csv(bad); }).find("unknown column 'loss'") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("compare: continued training predicts L(N, D0 + D) and its gain over scratch") {
  std::vector<CompareConfig> configs = seeds_configs();
  for (auto& c : configs) c.pretrained_tokens = 1e10;
  const Comparison c = compare_configs(epoch(), configs);
  const double n = 5e7, d = 3.3e9, d0 = 1e10;
  const ComparedConfig& r = c.rows[0];
  CHECK(r.loss.value == doctest::Approx(loss(n, d0 + d)).epsilon(1e-13));
  REQUIRE(r.scratch_loss);
  CHECK(r.scratch_loss->value == doctest::Approx(loss(n, d)).epsilon(1e-13));
  REQUIRE(r.continued_gain);
  CHECK(r.continued_gain->value == doctest::Approx(loss(n, d) - loss(n, d0 + d)).epsilon(1e-9));
  CHECK(r.continued_gain->value > 0);
  CHECK(r.flops == 6 * n * d);  // only the new tokens cost compute
  CompareConfig unique = configs[0];
  unique.unique_tokens = 2e10;  // more unique tokens than D0 + D
  CHECK(input_error_of([&] {
          compare_configs(epoch(), {unique});
        }).find("CONFIG '50M:3.3B': unique tokens 2e+10 must lie in [0, D0 + D") == 0);
}

TEST_CASE("compare: inference tokens add 2NT and the best row has the least excess cost") {
  CompareOptions o;
  o.inference_tokens = 1e12;
  const Comparison c = compare_configs(epoch(), seeds_configs(), o);
  CHECK(c.best_by == "excess_cost");
  for (const ComparedConfig& r : c.rows) {
    CHECK(r.inference_flops == 2 * r.config.params * 1e12);
    CHECK(r.total_flops == r.flops + r.inference_flops);
    REQUIRE(r.cheapest);
    const CheapestConfig& k = *r.cheapest;
    // The cheapest configuration reaches the row's loss, at no more than the row's cost...
    CHECK(loss(k.params, k.tokens) == doctest::Approx(r.loss.value).epsilon(1e-12));
    CHECK(k.total_flops <= r.total_flops * (1 + 1e-12));
    CHECK(k.total_flops == doctest::Approx(6 * k.params * k.tokens + 2 * k.params * 1e12));
    CHECK(*r.excess_cost == doctest::Approx(r.total_flops / k.total_flops - 1).epsilon(1e-12));
    // ...and satisfies the Lagrange condition of min N(6D + 2T) s.t. A/N^a + B/D^b = L - E:
    // (6D + 2T) beta B D^(-beta-1) = 6 alpha A N^-alpha (Sardana et al. 2024, their eq. 2 setup).
    const double lhs = (6 * k.tokens + 2e12) * beta * B * std::pow(k.tokens, -beta - 1);
    const double rhs = 6 * alpha * A * std::pow(k.params, -alpha);
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-6));
    // Serving 1e12 tokens makes a smaller model pay: the cheapest N is below the
    // compute-optimal N for the same loss.
    const CheapestConfig training_only = cheapest_config_for_loss(epoch(), r.loss.value, 0);
    CHECK(k.params < training_only.params);
  }
  // Without inference the cheapest configuration for a loss is the compute-optimal one.
  const CheapestConfig k0 = cheapest_config_for_loss(epoch(), 3.5, 0);
  CHECK(k0.params == doctest::Approx(n_opt(6 * k0.params * k0.tokens)).epsilon(1e-6));
  CHECK(loss(k0.params, k0.tokens) == doctest::Approx(3.5).epsilon(1e-12));
  // With 1e12 inference tokens the 25M row (more data, smaller model) becomes the best, where
  // the 50M row is best for training compute alone.
  CHECK(c.best == 1);
  CHECK(c.rows[1].best);
  CHECK(input_error_of([&] {
          CompareOptions bad;
          bad.inference_tokens = -1;
          compare_configs(epoch(), seeds_configs(), bad);
        }).find("--inference-tokens") == 0);
}

TEST_CASE("compare: the D that reaches a target loss for each N, and the cheapest N") {
  const double target = 3.3, t = 1e11;
  const TargetLossPlan plan =
      plan_for_target_loss(epoch(), target, t, {5e7, 2e8, 1e9, 1e5}, {"50M", "200M", "1B", "100k"});
  // By hand: D = (B / (L - E - A/N^alpha))^(1/beta).
  auto d_of = [&](double n) {
    return std::pow(B / (target - E - A / std::pow(n, alpha)), 1 / beta);
  };
  int given = 0;
  for (const TargetLossRow& r : plan.rows) {
    CHECK(r.tokens == doctest::Approx(d_of(r.params)).epsilon(1e-10));
    CHECK(r.training_flops == doctest::Approx(6 * r.params * r.tokens).epsilon(1e-15));
    CHECK(r.inference_flops == 2 * r.params * t);
    CHECK(r.total_flops == r.training_flops + r.inference_flops);
    CHECK(r.excess_cost >= -1e-9);
    if (r.label != "cheapest") ++given;
  }
  CHECK(given == 3);
  // 100k parameters cannot reach 3.3 at any D: A/N^alpha alone exceeds L - E.
  REQUIRE(plan.unreachable.size() == 1);
  CHECK(plan.unreachable[0] == "100k");
  CHECK(A / std::pow(1e5, alpha) > target - E);
  for (std::size_t i = 1; i < plan.rows.size(); ++i)
    CHECK(plan.rows[i - 1].params < plan.rows[i].params);
  CHECK(plan.rows[plan.best].label == "cheapest");
  CHECK(plan.rows[plan.best].best);
  // Without N given: the cheapest N and 1/4, 1/2, 2 and 4 times it (all reachable here).
  const TargetLossPlan grid = plan_for_target_loss(epoch(), target, 0, {}, {});
  CHECK(grid.rows.size() == 5);
  CHECK(grid.rows[2].label == "cheapest");
  CHECK(grid.rows[0].params == doctest::Approx(grid.rows[2].params / 4).epsilon(1e-15));
  CHECK(grid.best == 2);
  CHECK(input_error_of([&] { plan_for_target_loss(epoch(), 1.8, 0, {}, {}); })
            .find("--target-loss 1.8: the law does not reach it with any N and D (its loss "
                  "tends to 1.8172)") == 0);
  CHECK(tokens_for_loss(epoch(), 1e5, target) == std::nullopt);
}
