#include "fitting/envelope.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "lib/error.hpp"

namespace scalelab::fitting {

EnvelopeResult fit_envelope(const std::vector<Observation>& points, const EnvelopeOptions& o) {
  if (!(o.bins_per_decade > 0))
    throw InputError(fmt::format("--bins-per-decade: must be positive, got {}", o.bins_per_decade));
  if (!(o.level > 0 && o.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", o.level));
  std::map<long long, const Observation*> best;
  for (const auto& p : points) {
    validate_observation(p);
    const long long bin = std::llround(std::floor(std::log10(p.flops) * o.bins_per_decade));
    auto& slot = best[bin];
    if (!slot || p.loss < slot->loss) slot = &p;
  }
  EnvelopeResult r;
  r.n_points = points.size();
  for (const auto& [bin, p] : best)
    r.points.push_back({p->flops, p->loss, p->params, p->tokens, p->where});
  if (r.points.size() < 2)
    throw InputError(fmt::format(
        "{}: the loss envelope needs points in 2 or more compute bins, found {} (bins of "
        "1/{} decade)",
        points.empty() ? std::string("input") : points.front().where, r.points.size(),
        o.bins_per_decade));
  std::vector<double> c, n, d;
  for (const auto& p : r.points) {
    c.push_back(p.flops);
    n.push_back(p.params);
    d.push_back(p.tokens);
  }
  r.params_opt = fit_power_law(c, n, {}, o.level);
  r.tokens_opt = fit_power_law(c, d, {}, o.level);
  return r;
}

}  // namespace scalelab::fitting
