#include "plots/isoflop_figure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "plots/palette.hpp"

namespace scalelab::plots {

IsoflopPlotData isoflop_plot_data(const std::vector<Observation>& runs,
                                  const fitting::IsoflopResult& fit,
                                  const fitting::IsoflopOptions& options) {
  IsoflopPlotData data;
  data.level = options.level;
  data.grouping =
      options.grouping == fitting::IsoflopOptions::Grouping::kExact
          ? "runs grouped by planned budget"
          : fmt::format("runs grouped in compute bins of {:g} per decade", options.bins_per_decade);
  for (const auto& group : fitting::group_isoflop_budgets(runs, options)) {
    IsoflopBudgetData b;
    double log_c = 0;
    for (const Observation* r : group) {
      b.params.push_back(r->params);
      b.loss.push_back(r->loss);
      log_c += std::log(r->flops);
    }
    b.flops = std::exp(log_c / static_cast<double>(group.size()));
    for (const auto& p : fit.profiles)
      if (std::fabs(std::log(p.flops / b.flops)) < 1e-9) b.profile = p;
    data.budgets.push_back(std::move(b));
  }
  return data;
}

Figure isoflop_figure(const IsoflopPlotData& data) {
  Figure f;
  f.name = "isoflop_profiles";
  f.title = "IsoFLOP profiles (" + data.grouping + ")";
  f.x = {"parameters N", true, {}, {}};
  f.y = {"final loss (nats/token)", false, {}, {}};
  f.key = "outside right top";
  const std::size_t count = data.budgets.size();
  std::vector<double> min_n, min_loss, min_lo, min_hi;
  for (std::size_t i = 0; i < count; ++i) {
    const IsoflopBudgetData& b = data.budgets[i];
    const std::string color = sequential_color(i, count);
    Series runs;
    runs.kind = b.profile ? Series::Kind::kPoints : Series::Kind::kOpenPoints;
    runs.title = "C = " + sci_enhanced(b.flops) + " FLOPs" + (b.profile ? "" : " (not fitted)");
    runs.color = color;
    runs.point_size = 0.9;
    runs.x = b.params;
    runs.y = b.loss;
    f.series.push_back(std::move(runs));
    if (!b.profile) continue;
    const fitting::IsoflopProfile& p = *b.profile;
    // The parabola over the runs' range of N, widened a little and to its minimum.
    double lo = *std::min_element(b.params.begin(), b.params.end()) / 1.25;
    double hi = *std::max_element(b.params.begin(), b.params.end()) * 1.25;
    lo = std::min(lo, p.params_opt.value / 1.1);
    hi = std::max(hi, p.params_opt.value * 1.1);
    Series curve;
    curve.kind = Series::Kind::kLine;
    curve.model = true;
    curve.color = color;
    curve.line_width = 1.8;
    constexpr int kSamples = 80;
    for (int k = 0; k <= kSamples; ++k) {
      const double ln_n = std::log(lo) + (std::log(hi) - std::log(lo)) * k / kSamples;
      curve.x.push_back(std::exp(ln_n));
      curve.y.push_back(p.c0 + p.c1 * ln_n + p.c2 * ln_n * ln_n);
    }
    f.series.push_back(std::move(curve));
    min_n.push_back(p.params_opt.value);
    min_loss.push_back(p.min_loss);
    min_lo.push_back(p.params_opt.interval ? p.params_opt.interval->lo : p.params_opt.value);
    min_hi.push_back(p.params_opt.interval ? p.params_opt.interval->hi : p.params_opt.value);
  }
  if (!min_n.empty()) {
    Series minima;
    minima.kind = Series::Kind::kXErrorBars;
    minima.model = true;
    minima.title = fmt::format("fitted minimum N_{{opt}} ({:g}% interval)", 100 * data.level);
    minima.color = "#000000";
    minima.point_size = 1.4;
    minima.line_width = 1.5;
    minima.x = min_n;
    minima.y = min_loss;
    minima.lo = min_lo;
    minima.hi = min_hi;
    f.series.push_back(std::move(minima));
  }
  f.width = 1240;
  f.height = 720;
  return f;
}

}  // namespace scalelab::plots
