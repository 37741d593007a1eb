// Learning-rate schedules as pure functions of the step, so that anyone (the loop, the
// sweep planner, the learning-rate-aware extrapolation of the fits) can evaluate the full
// planned schedule without training.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace scalelab::trainer {

enum class ScheduleKind {
  kCosine,    // linear warmup, then cosine from peak down to the floor at the last step
  kWsd,       // warmup-stable-decay: warmup, peak, then a 1-sqrt cooldown to the floor
  kConstant,  // linear warmup, then the peak
  kLinear,    // linear warmup, then a straight line from peak down to the floor at the last step
};

std::string_view schedule_name(ScheduleKind kind);
// Accepts "cosine", "wsd", "constant", "linear"; throws InputError naming `what` otherwise.
ScheduleKind parse_schedule(std::string_view text, std::string_view what = "--schedule");

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kCosine;
  double peak_lr = 1e-3;
  // Steps of linear warmup from peak/warmup_steps (step 1) to peak (step warmup_steps).
  std::int64_t warmup_steps = 0;
  // Floor of cosine, WSD and linear as a fraction of the peak: 0.1 (Hoffmann et al. 2022 decay the
  // cosine by 10×).
  double final_lr_fraction = 0.1;
  // WSD: the last fraction of the steps cools down as lr = floor + (peak - floor)·(1 - sqrt(p)),
  // p going from 0 to 1 over the cooldown (Hägele et al. 2024 find 1-sqrt best); 0.2 as there.
  double cooldown_fraction = 0.2;
};

// Throws InputError naming the option that is out of range (peak_lr > 0, warmup_steps >= 0,
// final_lr_fraction and cooldown_fraction in [0, 1], total_steps >= 1).
void validate(const ScheduleOptions& options, std::int64_t total_steps);

// The learning rate of optimizer step `step` (1-based, 1..total_steps; steps beyond the end
// keep the last value) of a run planned for `total_steps` steps.
double learning_rate(const ScheduleOptions& options, std::int64_t step, std::int64_t total_steps);

// learning_rate for steps 1..total_steps: element i is step i + 1.
std::vector<double> planned_learning_rates(const ScheduleOptions& options,
                                           std::int64_t total_steps);

}  // namespace scalelab::trainer
