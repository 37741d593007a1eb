#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "fitting/learning_curve.hpp"
#include "lib/error.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

namespace {

// Warmup then cosine decay to 10%, as the trainer plans it.
double cosine_lr(std::int64_t step, std::int64_t total) {
  const double peak = 6e-4, warmup = 0.02 * total;
  if (step <= warmup) return peak * step / warmup;
  const double progress = (step - warmup) / (total - warmup);
  return 0.1 * peak + 0.45 * peak * (1 + std::cos(std::numbers::pi * progress));
}

// The LR-aware law without references (S0 = 0 unless `offset`).
CurveFit lr_aware(const std::vector<CurvePoint>& pts, const LrSchedule& schedule,
                  LearningCurveOptions o, bool offset = false) {
  o.offset = offset;
  return fit_learning_curve(CurveModel::kLrAware, {"curve", pts, schedule.total_steps(), schedule},
                            {}, o);
}

// The LR-aware law's truth over `schedule`: L0 + A·S1^(−alpha) − C·S2 (S0 = 0).
std::function<double(std::int64_t)> lr_aware_truth(const LrSchedule& schedule, double l0,
                                                   double a, double alpha, double c) {
  std::vector<double> s1, s2;
  schedule.areas(0.999, &s1, &s2);
  return [=](std::int64_t s) { return l0 + a * std::pow(s1[s - 1], -alpha) - c * s2[s - 1]; };
}

// `truth` every 5 steps from step 60 to `last`, times log-normal noise drawn from `noise`
// (one generator and distribution shared by the curves of a test, in order).
CurveSeries noisy_curve(const std::string& name, const LrSchedule& schedule,
                        const std::function<double(std::int64_t)>& truth, std::int64_t last,
                        std::mt19937_64& rng, std::normal_distribution<double>& noise) {
  CurveSeries c{name, {}, schedule.total_steps(), schedule};
  for (std::int64_t s = 60; s <= last; s += 5)
    c.points.push_back({s, truth(s) * std::exp(noise(rng))});
  return c;
}

LrSchedule cosine_schedule(std::int64_t total) {
  return LrSchedule::from_function([=](std::int64_t s) { return cosine_lr(s, total); }, total);
}

}  // namespace

TEST_CASE("LrSchedule: vector and callable agree; S1 and S2 follow their definitions") {
  const std::int64_t total = 1000;
  const auto from_f =
      LrSchedule::from_function([&](std::int64_t s) { return cosine_lr(s, total); }, total);
  std::vector<double> lr;
  for (std::int64_t s = 1; s <= total; ++s) lr.push_back(cosine_lr(s, total));
  const LrSchedule from_v(lr);
  std::vector<double> s1a, s2a, s1b, s2b;
  from_f.areas(0.999, &s1a, &s2a);
  from_v.areas(0.999, &s1b, &s2b);
  CHECK(s1a == s1b);
  CHECK(s2a == s2b);
  double sum = 0;
  for (double v : lr) sum += v;
  CHECK(s1a.back() == doctest::Approx(sum));
  // A constant schedule anneals nothing.
  std::vector<double> s1c, s2c;
  LrSchedule(std::vector<double>(100, 1e-3)).areas(0.999, &s1c, &s2c);
  CHECK(s2c.back() == 0);
  CHECK_THROWS_AS(LrSchedule(std::vector<double>{1e-3, -1}), InputError);
}

TEST_CASE("power law in t: predicts the final loss from the first 30%") {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0, 0.002);
  std::vector<CurvePoint> pts;
  const auto truth = [](double t) { return 2.0 + 8.0 * std::pow(t, -0.4); };
  for (std::int64_t s = 10; s <= 3000; s += 10) pts.push_back({s, truth(s) * std::exp(noise(rng))});
  LearningCurveOptions o;
  o.bootstrap = 100;
  const CurveFit fit = extrapolate_power_law(pts, 10000, o);
  CHECK(fit.converged);
  CHECK(fit.final_loss.value == doctest::Approx(truth(10000)).epsilon(0.01));
  REQUIRE(fit.final_loss.interval);
  CHECK(fit.final_loss.interval->lo < fit.final_loss.value);
  CHECK(fit.final_loss.value < fit.final_loss.interval->hi);
  std::vector<CurvePoint> few(pts.begin(), pts.begin() + 3);
  CHECK_THROWS_AS(extrapolate_power_law(few, 10000, o), InputError);
  CHECK_THROWS_AS(extrapolate_power_law(pts, 100, o), InputError);  // points past the end
}

TEST_CASE("LR-aware law (Tissue et al. 2024): the annealing drop is predicted over the schedule") {
  const std::int64_t total = 5000;
  const auto schedule =
      LrSchedule::from_function([&](std::int64_t s) { return cosine_lr(s, total); }, total);
  std::vector<double> s1, s2;
  schedule.areas(0.999, &s1, &s2);
  const double l0 = 2.0, a = 0.6, alpha = 0.5, c = 0.4;
  auto truth = [&](std::int64_t s) { return l0 + a * std::pow(s1[s - 1], -alpha) - c * s2[s - 1]; };
  REQUIRE(truth(total) > 1.5);
  REQUIRE(truth(total) < truth(total / 2) - 0.05);  // the annealing drop is visible
  std::mt19937_64 rng(2);
  std::normal_distribution<double> noise(0, 0.001);
  for (double fraction : {0.2, 0.3}) {
    CAPTURE(fraction);
    std::vector<CurvePoint> pts;
    for (std::int64_t s = 100; s <= fraction * total; s += 20)
      pts.push_back({s, truth(s) * std::exp(noise(rng))});
    LearningCurveOptions o;
    o.bootstrap = 50;
    const CurveFit fit = lr_aware(pts, schedule, o);
    CHECK(fit.final_step == total);
    // The annealing term is weakly identified early in a cosine run; 3% is what this gives.
    CHECK(fit.final_loss.value == doctest::Approx(truth(total)).epsilon(0.03));
    // The power law in t cannot see the annealing ahead and predicts a higher loss.
    const CurveFit plain = extrapolate_power_law(pts, total, o);
    CHECK(plain.final_loss.value > fit.final_loss.value);
  }
}

TEST_CASE("LR-aware law: the learning rate's scale changes the units of A and C, not the fit") {
  const std::int64_t total = 2000;
  const auto lr = [&](double scale) {
    return LrSchedule::from_function([&](std::int64_t s) { return scale * cosine_lr(s, total); },
                                     total);
  };
  const LrSchedule base = lr(1.0);
  std::vector<double> s1, s2;
  base.areas(0.999, &s1, &s2);
  const double l0 = 1.5, a = 0.2, alpha = 0.5, c = 0.5;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.003);
  std::vector<CurvePoint> pts;
  for (std::int64_t s = 50; s <= total / 2; s += 5)
    pts.push_back(
        {s, (l0 + a * std::pow(s1[s - 1], -alpha) - c * s2[s - 1]) * std::exp(noise(rng))});
  LearningCurveOptions o;
  o.bootstrap = 0;
  const CurveFit small = lr_aware(pts, base, o);
  const CurveFit large = lr_aware(pts, lr(1000.0), o);
  CHECK(small.final_loss.value == doctest::Approx(large.final_loss.value).epsilon(1e-4));
  CHECK(small.values[0] == doctest::Approx(large.values[0]).epsilon(1e-3));  // L0
  CHECK(small.values[2] == doctest::Approx(large.values[2]).epsilon(1e-3));  // alpha
  // A·S1^−α and C·S2 are the same numbers with S1 and S2 1,000 times larger.
  CHECK(large.values[1] ==
        doctest::Approx(small.values[1] * std::pow(1000.0, small.values[2])).epsilon(1e-3));
  CHECK(large.values[4] == doctest::Approx(small.values[4] / 1000.0).epsilon(1e-3));
  CHECK(small.values[4] == doctest::Approx(c).epsilon(0.2));  // in the schedule's units
}

TEST_CASE("LR-aware law: C >= 0, so a curve that flattens is not bent by a negative annealing") {
  // Losses that depend on the forward area only (C = 0), noisy as one step's train loss is:
  // a free C fitted to 20% of them could go negative and predict a final loss above the
  // starting one (measured on the project's own runs before C was constrained).
  const std::int64_t total = 1000;
  const auto schedule =
      LrSchedule::from_function([&](std::int64_t s) { return cosine_lr(s, total); }, total);
  std::vector<double> s1, s2;
  schedule.areas(0.999, &s1, &s2);
  const auto truth = [&](std::int64_t s) { return 1.2 + 0.05 * std::pow(s1[s - 1], -0.5); };
  for (std::uint64_t seed : {4, 5, 6}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0, 0.02);
    std::vector<CurvePoint> pts;
    for (std::int64_t s = 21; s <= total / 5; ++s)
      pts.push_back({s, truth(s) * std::exp(noise(rng))});
    LearningCurveOptions o;
    o.bootstrap = 0;
    const CurveFit fit = lr_aware(pts, schedule, o);
    CHECK(fit.values[4] >= 0);
    CHECK(fit.final_loss.value == doctest::Approx(truth(total)).epsilon(0.05));
  }
}

TEST_CASE("models: names, parameters, shared defaults; bad input is rejected") {
  CHECK(parse_curve_model("multi-power") == CurveModel::kMultiPower);
  CHECK_THROWS_AS(parse_curve_model("exp"), InputError);
  CHECK(curve_model_parameters(CurveModel::kLrAware).size() == 5);
  CHECK(curve_model_parameters(CurveModel::kMultiPower).size() == 8);
  for (CurveModel m : kCurveModels)
    for (const std::string& s : default_shared_parameters(m)) {
      const auto names = curve_model_parameters(m);
      CHECK(std::find(names.begin(), names.end(), s) != names.end());
    }
  const std::int64_t total = 400;
  const auto schedule =
      LrSchedule::from_function([&](std::int64_t s) { return cosine_lr(s, total); }, total);
  std::vector<CurvePoint> pts;
  for (std::int64_t s = 20; s <= 100; s += 5) pts.push_back({s, 3.0 - 0.001 * s});
  LearningCurveOptions o;
  o.bootstrap = 0;
  const CurveSeries target{"t", pts, total, schedule};
  // No schedule for a model that needs one; a schedule of another length; an unknown shared
  // parameter.
  CHECK_THROWS_AS(fit_learning_curve(CurveModel::kMultiPower, {"t", pts, total, {}}, {}, o),
                  InputError);
  CHECK_THROWS_AS(fit_learning_curve(CurveModel::kLrAware, {"t", pts, total + 1, schedule}, {}, o),
                  InputError);
  o.shared = std::vector<std::string>{"beta"};
  CHECK_THROWS_AS(fit_learning_curve(CurveModel::kLrAware, target, {target}, o), InputError);
}

TEST_CASE("multi-power law: the blocked sum over k is within 1e-4 of the exact sum") {
  const std::int64_t total = 3000;
  for (int kind = 0; kind < 2; ++kind) {
    CAPTURE(kind);
    // cosine, and WSD with a 1-sqrt cooldown over the last 20%
    auto lr_at = [&](std::int64_t s) {
      if (kind == 0) return cosine_lr(s, total);
      const double peak = 6e-4, start = 0.8 * total;
      if (s <= 60) return peak * s / 60.0;
      if (s <= start) return peak;
      return 0.1 * peak + 0.9 * peak * (1 - std::sqrt((s - start) / (total - start)));
    };
    const auto schedule = LrSchedule::from_function(lr_at, total);
    CurveFit fit;
    fit.model = "multi-power";
    // L0, A, alpha, S0, B, C, beta, gamma in the schedule's units (η ~ 6e-4)
    const double l0 = 2.0, a = 0.05, alpha = 0.5, s0 = 0.01, b = 500, c = 2.0, beta = 0.5,
                 gamma = 0.6;
    fit.values = {l0, a, alpha, s0, b, c, beta, gamma};
    std::vector<double> eta(total + 1);
    for (std::int64_t s = 1; s <= total; ++s) eta[s] = lr_at(s);
    const std::int64_t peak = schedule.peak_step();
    for (std::int64_t t : {peak + 1, total / 2, (4 * total) / 5 + 7, total}) {
      CAPTURE(t);
      double s1 = 0;
      for (std::int64_t i = 1; i <= t; ++i) s1 += eta[i];
      double ld = 0;
      for (std::int64_t k = peak + 1; k <= t; ++k) {
        double skt = 0;
        for (std::int64_t i = k; i <= t; ++i) skt += eta[i];
        const double x = std::pow(eta[k], -gamma) * skt;
        ld += (eta[k - 1] - eta[k]) * (1 - std::pow(c * x + 1, -beta));
      }
      const double exact = l0 + a * std::pow(s1 + s0, -alpha) - b * ld;
      REQUIRE(exact > 0);
      CHECK(curve_loss(fit, schedule, t) == doctest::Approx(exact).epsilon(1e-4));
    }
  }
}

TEST_CASE("joint fit: a reference's full curve identifies the annealing an early curve cannot") {
  // Two LR-aware curves sharing C (the annealing; set explicitly, the default also shares
  // alpha), each with its own L0, A, alpha: the reference a shorter schedule run to the end,
  // the target seen up to 20% of its steps.
  const std::int64_t ref_total = 1500, total = 3000;
  const LrSchedule ref_schedule = cosine_schedule(ref_total), schedule = cosine_schedule(total);
  const double c = 0.5;
  const auto truth = lr_aware_truth(schedule, 2.0, 0.07, 0.45, c);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 0.002);
  const CurveSeries ref = noisy_curve("ref", ref_schedule,
                                      lr_aware_truth(ref_schedule, 2.2, 0.08, 0.5, c), ref_total,
                                      rng, noise);
  const CurveSeries target = noisy_curve("target", schedule, truth, total / 5, rng, noise);
  LearningCurveOptions o;
  o.bootstrap = 0;
  o.offset = false;
  o.shared = std::vector<std::string>{"S0", "C"};
  const CurveFit alone = fit_learning_curve(CurveModel::kLrAware, target, {}, o);
  const CurveFit joint = fit_learning_curve(CurveModel::kLrAware, target, {ref}, o);
  REQUIRE(joint.finite());
  CHECK(joint.references == 1);
  CHECK(joint.shared == std::vector<std::string>{"C"});  // S0 is not fitted: not listed
  CHECK(joint.final_loss.value == doctest::Approx(truth(total)).epsilon(0.01));
  CHECK(joint.values[4] == doctest::Approx(c).epsilon(0.15));
  // Alone, the 20% curve does no better (the annealing ahead is not identified).
  if (alone.finite())
    CHECK(std::abs(alone.final_loss.value - truth(total)) >=
          std::abs(joint.final_loss.value - truth(total)) * 0.5);
}

TEST_CASE("joint fit, default sharing: a reference's alpha pins the early curve's L0 and A") {
  // A smaller model's finished curve (higher L0, larger A) and a larger model's first 20%,
  // both L0 + A·S1^(−alpha) − C·S2 with the same alpha and C (what the default shares: see
  // default_shared_parameters). The target's L0 and A then come from a linear fit.
  const std::int64_t ref_total = 1000, total = 2000;
  const LrSchedule ref_schedule = cosine_schedule(ref_total), schedule = cosine_schedule(total);
  const double alpha = 0.4, c = 0.5;
  const auto truth = lr_aware_truth(schedule, 2.0, 0.07, alpha, c);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0, 0.002);
  const CurveSeries ref = noisy_curve("ref", ref_schedule,
                                      lr_aware_truth(ref_schedule, 2.4, 0.09, alpha, c), ref_total,
                                      rng, noise);
  const CurveSeries target = noisy_curve("target", schedule, truth, total / 5, rng, noise);
  LearningCurveOptions o;
  o.bootstrap = 0;
  const CurveFit joint = fit_learning_curve(CurveModel::kLrAware, target, {ref}, o);
  REQUIRE(joint.finite());
  CHECK(joint.shared == std::vector<std::string>{"alpha", "S0", "C"});
  // (alpha itself is not checked: with the offset S0 fitted, alpha and S0 trade off along a
  // valley of near-equal objective; the prediction is what the fit is for.)
  CHECK(joint.final_loss.value == doctest::Approx(truth(total)).epsilon(0.005));
  const CurveFit mp = fit_learning_curve(CurveModel::kMultiPower, target, {ref}, o);
  CHECK(mp.shared == std::vector<std::string>{"alpha", "S0", "B", "C", "beta", "gamma"});
}

TEST_CASE("block bootstrap: an interval around the prediction, reproducible by seed") {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> noise(0, 0.003);
  std::vector<CurvePoint> pts;
  double ar = 0;  // AR(1) noise: neighbouring steps' noise is correlated, as in a train loss
  for (std::int64_t s = 10; s <= 2000; s += 5) {
    ar = 0.8 * ar + noise(rng);
    pts.push_back({s, (2.0 + 8.0 * std::pow(s, -0.4)) * std::exp(ar)});
  }
  LearningCurveOptions o;
  o.bootstrap = 60;
  o.seed = 3;
  const CurveFit a = extrapolate_power_law(pts, 6000, o);
  const CurveFit b = extrapolate_power_law(pts, 6000, o);
  REQUIRE(a.final_loss.interval);
  REQUIRE(b.final_loss.interval);
  CHECK(a.final_loss.interval->lo == b.final_loss.interval->lo);
  CHECK(a.final_loss.interval->hi == b.final_loss.interval->hi);
  CHECK(a.final_loss.interval->lo < a.final_loss.value);
  CHECK(a.final_loss.value < a.final_loss.interval->hi);
}
