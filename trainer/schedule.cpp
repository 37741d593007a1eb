#include "trainer/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "lib/error.hpp"

namespace scalelab::trainer {

std::string_view schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kWsd:
      return "wsd";
    case ScheduleKind::kConstant:
      return "constant";
    case ScheduleKind::kLinear:
      return "linear";
    default:
      return "cosine";
  }
}

ScheduleKind parse_schedule(std::string_view text, std::string_view what) {
  if (text == "cosine") return ScheduleKind::kCosine;
  if (text == "wsd") return ScheduleKind::kWsd;
  if (text == "constant") return ScheduleKind::kConstant;
  if (text == "linear") return ScheduleKind::kLinear;
  throw InputError(fmt::format(
      "{}: unknown schedule '{}' (accepted: cosine, wsd, constant, linear)", what, text));
}

void validate(const ScheduleOptions& o, std::int64_t total_steps) {
  if (!(o.peak_lr > 0) || !std::isfinite(o.peak_lr))
    throw InputError(fmt::format("--lr: {} (accepted: a positive number)", o.peak_lr));
  if (o.warmup_steps < 0)
    throw InputError(fmt::format("--warmup-steps: {} (accepted: >= 0)", o.warmup_steps));
  if (!(o.final_lr_fraction >= 0 && o.final_lr_fraction <= 1))
    throw InputError(
        fmt::format("--final-lr-fraction: {} (accepted: 0 to 1)", o.final_lr_fraction));
  if (!(o.cooldown_fraction >= 0 && o.cooldown_fraction <= 1))
    throw InputError(
        fmt::format("--cooldown-fraction: {} (accepted: 0 to 1)", o.cooldown_fraction));
  if (total_steps < 1)
    throw InputError(fmt::format("schedule: {} total steps (accepted: >= 1)", total_steps));
}

double learning_rate(const ScheduleOptions& o, std::int64_t step, std::int64_t total) {
  step = std::clamp<std::int64_t>(step, 1, std::max<std::int64_t>(total, 1));
  const double peak = o.peak_lr;
  if (step <= o.warmup_steps) return peak * static_cast<double>(step) / o.warmup_steps;
  const double floor = o.final_lr_fraction * peak;
  switch (o.kind) {
    case ScheduleKind::kConstant:
      return peak;
    case ScheduleKind::kCosine: {
      const std::int64_t span = total - o.warmup_steps;
      if (span <= 0) return peak;
      const double p = static_cast<double>(step - o.warmup_steps) / span;
      return floor + (peak - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
    }
    case ScheduleKind::kLinear: {
      const std::int64_t span = total - o.warmup_steps;
      if (span <= 0) return peak;
      const double p = static_cast<double>(step - o.warmup_steps) / span;
      return peak + (floor - peak) * p;
    }
    case ScheduleKind::kWsd: {
      const auto cooldown = static_cast<std::int64_t>(std::llround(o.cooldown_fraction * total));
      const std::int64_t start = std::max(total - cooldown, o.warmup_steps);
      if (step <= start || total == start) return peak;
      const double p = static_cast<double>(step - start) / static_cast<double>(total - start);
      return floor + (peak - floor) * (1.0 - std::sqrt(p));
    }
  }
  return peak;
}

std::vector<double> planned_learning_rates(const ScheduleOptions& o, std::int64_t total) {
  std::vector<double> lr(static_cast<std::size_t>(std::max<std::int64_t>(total, 0)));
  for (std::int64_t i = 0; i < total; ++i) lr[i] = learning_rate(o, i + 1, total);
  return lr;
}

}  // namespace scalelab::trainer
