#include "sweeps/divergence.hpp"

#include <fmt/format.h>

#include <cmath>

namespace scalelab::sweeps {

std::optional<Divergence> DivergenceDetector::feed(const db::MetricRow& row) {
  if (divergence_) return divergence_;
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
  if (best_ && row.step >= options_.min_steps && loss > options_.spike_ratio * *best_) {
    divergence_ = Divergence{
        row.step, fmt::format("train_loss {:.4g} at step {} is above {} x the best so far ({:.4g})",
                              loss, row.step, options_.spike_ratio, *best_)};
    return divergence_;
  }
  if (!best_ || loss < *best_) best_ = loss;
  return std::nullopt;
}

}  // namespace scalelab::sweeps
