// Learning-rate schedules at chosen steps, computed by hand from the formulas in schedule.hpp.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "lib/error.hpp"
#include "trainer/schedule.hpp"

using namespace scalelab::trainer;

TEST_CASE("cosine: linear warmup, cosine to 10% of the peak") {
  ScheduleOptions o;
  o.kind = ScheduleKind::kCosine;
  o.peak_lr = 1e-3;
  o.warmup_steps = 10;
  const std::int64_t total = 110;
  CHECK(learning_rate(o, 1, total) == doctest::Approx(1e-4));
  CHECK(learning_rate(o, 5, total) == doctest::Approx(5e-4));
  CHECK(learning_rate(o, 10, total) == doctest::Approx(1e-3));
  // Halfway through the decay (step 60 of 10..110): floor + (peak - floor)/2.
  CHECK(learning_rate(o, 60, total) == doctest::Approx(1e-4 + 0.9e-3 * 0.5));
  // A quarter of the way: cos(π/4).
  CHECK(learning_rate(o, 35, total) ==
        doctest::Approx(1e-4 + 0.9e-3 * 0.5 * (1 + std::cos(std::numbers::pi / 4))));
  CHECK(learning_rate(o, 110, total) == doctest::Approx(1e-4));
  CHECK(learning_rate(o, 500, total) == doctest::Approx(1e-4));  // beyond the end: the floor
}

TEST_CASE("WSD: stable at the peak, then a 1-sqrt cooldown over the last 20%") {
  ScheduleOptions o;
  o.kind = ScheduleKind::kWsd;
  o.peak_lr = 2e-3;
  o.warmup_steps = 5;
  o.final_lr_fraction = 0.0;
  o.cooldown_fraction = 0.2;
  const std::int64_t total = 100;  // cooldown steps 81..100
  CHECK(learning_rate(o, 1, total) == doctest::Approx(4e-4));
  CHECK(learning_rate(o, 50, total) == doctest::Approx(2e-3));
  CHECK(learning_rate(o, 80, total) == doctest::Approx(2e-3));
  CHECK(learning_rate(o, 85, total) == doctest::Approx(2e-3 * (1 - std::sqrt(0.25))));
  CHECK(learning_rate(o, 100, total) == doctest::Approx(0.0));
  o.final_lr_fraction = 0.1;
  CHECK(learning_rate(o, 85, total) == doctest::Approx(2e-4 + 1.8e-3 * 0.5));
}

TEST_CASE("constant: warmup then the peak") {
  ScheduleOptions o;
  o.kind = ScheduleKind::kConstant;
  o.peak_lr = 3e-4;
  o.warmup_steps = 3;
  CHECK(learning_rate(o, 2, 50) == doctest::Approx(2e-4));
  CHECK(learning_rate(o, 3, 50) == doctest::Approx(3e-4));
  CHECK(learning_rate(o, 50, 50) == doctest::Approx(3e-4));
}

TEST_CASE("the planned schedule is learning_rate at every step") {
  ScheduleOptions o;
  o.warmup_steps = 4;
  const auto lr = planned_learning_rates(o, 40);
  REQUIRE(lr.size() == 40);
  for (int s = 1; s <= 40; ++s) CHECK(lr[s - 1] == learning_rate(o, s, 40));
  for (int s = 5; s < 40; ++s) CHECK(lr[s] <= lr[s - 1]);  // monotone after the warmup
}

TEST_CASE("bad schedule options are input errors") {
  CHECK(parse_schedule("wsd") == ScheduleKind::kWsd);
  CHECK(parse_schedule("linear") == ScheduleKind::kLinear);
  CHECK_THROWS_AS(parse_schedule("sawtooth"), scalelab::InputError);
  ScheduleOptions o;
  o.peak_lr = -1;
  CHECK_THROWS_AS(validate(o, 10), scalelab::InputError);
  o.peak_lr = 1e-3;
  o.cooldown_fraction = 1.5;
  CHECK_THROWS_AS(validate(o, 10), scalelab::InputError);
}
