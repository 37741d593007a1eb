#include "plots/loss_compute_figure.hpp"

#include <fmt/format.h>

#include <cmath>

#include "plots/palette.hpp"

namespace scalelab::plots {

namespace {

std::vector<double> log_spaced(double lo, double hi, int points) {
  std::vector<double> v;
  for (int i = 0; i < points; ++i)
    v.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (points - 1)));
  return v;
}

}  // namespace

LossCurve loss_at_budget_curve(const std::string& label, const std::string& color,
                               const fitting::LawSpec& law, const std::vector<double>& x,
                               const std::vector<std::vector<double>>& samples, double level,
                               double c_min, double c_max, int points) {
  LossCurve c{label, label, color, {}, {}};
  for (double flops : log_spaced(c_min, c_max, points)) {
    c.flops.push_back(flops);
    c.loss.push_back(fitting::predict_loss_at_budget(law, x, samples, level, flops).loss);
  }
  return c;
}

Figure loss_compute_figure(const LossComputeData& d) {
  Figure f;
  f.name = "loss_vs_compute";
  f.title = "Loss against training compute";
  f.x = {"training compute C (FLOPs)", true, {}, {}};
  f.y = {"final loss (nats/token)", true, {}, {}};
  f.colorbar = Axis{"parameters N", true, {}, {}};
  f.key = "top right";
  f.width = 1040;
  const int level = static_cast<int>(std::lround(100 * d.level));
  for (const LossCurve& c : d.curves) {
    Series band;
    band.kind = Series::Kind::kBand;
    band.model = true;
    band.color = c.color;
    Series mid;
    mid.kind = Series::Kind::kLine;
    mid.model = true;
    mid.color = c.color;
    mid.title = c.label;
    for (std::size_t i = 0; i < c.flops.size(); ++i) {
      mid.x.push_back(c.flops[i]);
      mid.y.push_back(c.loss[i].value);
      if (c.loss[i].interval) {
        band.x.push_back(c.flops[i]);
        band.lo.push_back(c.loss[i].interval->lo);
        band.hi.push_back(c.loss[i].interval->hi);
      }
    }
    if (!band.x.empty()) {
      band.title = fmt::format("{}% bootstrap band ({})", level, c.short_label);
      f.series.push_back(std::move(band));
    }
    f.series.push_back(std::move(mid));
  }
  Series runs;
  runs.kind = Series::Kind::kColoredPoints;
  runs.title = "runs (colour: N)";
  runs.point_size = 0.8;
  runs.x = d.flops;
  runs.y = d.loss;
  runs.value = d.params;
  f.series.push_back(std::move(runs));
  if (!d.frontier_flops.empty()) {
    Series best;
    best.kind = Series::Kind::kOpenPoints;
    best.model = true;  // parabola minima: fitted, not observed
    best.title = "IsoFLOP minimum per budget";
    best.color = "#000000";
    best.point_size = 1.6;
    best.line_width = 2;
    best.x = d.frontier_flops;
    best.y = d.frontier_loss;
    f.series.push_back(std::move(best));
  }
  if (d.target_flops && d.target_prediction) {
    const fitting::Estimate& p = *d.target_prediction;
    Series target;
    target.kind = Series::Kind::kErrorBars;
    target.model = true;
    target.color = kColorTarget;
    target.point_size = 1.6;
    target.title = p.interval ? fmt::format("prediction at C = {} ({}% interval)",
                                            sci_enhanced(*d.target_flops), level)
                              : fmt::format("prediction at C = {}", sci_enhanced(*d.target_flops));
    target.x = {*d.target_flops};
    target.y = {p.value};
    target.lo = {p.interval ? p.interval->lo : p.value};
    target.hi = {p.interval ? p.interval->hi : p.value};
    f.series.push_back(std::move(target));
  }
  if (d.target_flops && d.target_observed) {
    Series obs;
    obs.kind = Series::Kind::kPoints;
    obs.color = "#000000";
    obs.point_size = 2.0;
    obs.title = fmt::format("observed at C = {}: {:.4f}", sci_enhanced(*d.target_flops),
                            *d.target_observed);
    obs.x = {*d.target_flops};
    obs.y = {*d.target_observed};
    f.series.push_back(std::move(obs));
  }
  return f;
}

}  // namespace scalelab::plots
