#include "sweeps/divergence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace scalelab::sweeps {

std::optional<Divergence> DivergenceDetector::feed(const db::MetricRow& row) {
  if (divergence_) return divergence_;
  // Part 1 of the rule: the trainer logged a non-finite loss.
  for (const auto& [name, value] :
       {std::pair{"train_loss", row.train_loss}, std::pair{"eval_loss", row.eval_loss}}) {
    if (value && !std::isfinite(*value)) {
      divergence_ = Divergence{row.step, fmt::format("{} is {} at step {}", name,
                                                     std::isnan(*value) ? "nan" : "inf", row.step)};
      return divergence_;
    }
  }
  if (!row.train_loss) return std::nullopt;
  const double loss = *row.train_loss;
  // Part 2: a spike above the best of the steps before this one.
  auto at = std::lower_bound(curve_.begin(), curve_.end(), row.step,
                             [](const Point& p, std::int64_t step) { return p.step < step; });
  if (at != curve_.end() && at->step == row.step && at->loss == loss) return std::nullopt;
  const std::optional<double> best =
      at == curve_.begin() ? std::nullopt : std::optional<double>(std::prev(at)->best);
  curve_.erase(at, curve_.end());
  if (best && row.step >= options_.min_steps && loss > options_.spike_ratio * *best) {
    divergence_ = Divergence{
        row.step, fmt::format("train_loss {:.4g} at step {} is above {} x the best so far ({:.4g})",
                              loss, row.step, options_.spike_ratio, *best)};
    return divergence_;
  }
  curve_.push_back({row.step, loss, best ? std::min(*best, loss) : loss});
  return std::nullopt;
}

}  // namespace scalelab::sweeps
