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
  const Point* before = at == curve_.begin() ? nullptr : &*std::prev(at);
  curve_.erase(at, curve_.end());
  Point p{row.step, loss, before ? std::min(before->best, loss) : loss, 0, 0, 0};
  if (before && row.step >= options_.min_steps && loss > options_.spike_ratio * before->best) {
    const bool continues = before->spikes > 0;  // p.best is before->best: loss is above it
    p.spikes = continues ? before->spikes + 1 : 1;
    p.first_spike = continues ? before->first_spike : row.step;
    p.first_loss = continues ? before->first_loss : loss;
    if (p.spikes >= options_.patience) {
      std::string reason = fmt::format(
          "train_loss {:.4g} at step {} is above {} x the best so far ({:.4g})", p.first_loss,
          p.first_spike, options_.spike_ratio, p.best);
      if (p.spikes > 1)
        reason += fmt::format(" and stayed above it for {} logged steps (to step {})", p.spikes,
                              row.step);
      divergence_ = Divergence{p.first_spike, reason};
      return divergence_;
    }
  }
  curve_.push_back(p);
  return std::nullopt;
}

}  // namespace scalelab::sweeps
