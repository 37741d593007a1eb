#include "plots/parity_figure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace scalelab::plots {

ParityData parity_data(const std::string& law_title, const fitting::FitResult& fit) {
  ParityData d;
  d.law = law_title;
  d.n_dropped = fit.n_dropped;
  for (std::size_t i = 0; i < fit.kept.size() && i < fit.residuals.size(); ++i) {
    const Observation& o = fit.kept[i];
    d.observed.push_back(o.loss);
    d.predicted.push_back(o.loss * std::exp(fit.residuals[i]));
    d.params.push_back(o.params);
    d.flops.push_back(o.flops);
  }
  return d;
}

namespace {

double rms_relative_error(const ParityData& d) {
  double s = 0;
  for (std::size_t i = 0; i < d.observed.size(); ++i) {
    const double r = (d.predicted[i] - d.observed[i]) / d.observed[i];
    s += r * r;
  }
  return std::sqrt(s / static_cast<double>(std::max<std::size_t>(1, d.observed.size())));
}

std::string dropped_text(const ParityData& d) {
  return d.n_dropped ? fmt::format(", the {} highest losses left out", d.n_dropped) : "";
}

}  // namespace

Figure parity_figure(const ParityData& d) {
  Figure f;
  f.name = "fit_parity";
  f.title = fmt::format("{}: predicted vs observed\n{} runs fitted{}, RMS relative error {:.2f}%",
                        d.law, d.observed.size(), dropped_text(d), 100 * rms_relative_error(d));
  double lo = std::min(*std::min_element(d.observed.begin(), d.observed.end()),
                       *std::min_element(d.predicted.begin(), d.predicted.end()));
  double hi = std::max(*std::max_element(d.observed.begin(), d.observed.end()),
                       *std::max_element(d.predicted.begin(), d.predicted.end()));
  const double pad = 0.04 * (hi - lo);
  lo -= pad;
  hi += pad;
  f.x = {"observed final loss (nats/token)", false, lo, hi};
  f.y = {"predicted final loss (nats/token)", false, lo, hi};
  f.colorbar = Axis{"parameters N", true, {}, {}};
  f.square = true;
  f.key = "top left";
  f.width = 900;
  f.height = 820;
  Series diag;
  diag.kind = Series::Kind::kDashedLine;
  diag.title = "predicted = observed";
  diag.color = "#555555";
  diag.line_width = 1.5;
  diag.x = {lo, hi};
  diag.y = {lo, hi};
  f.series.push_back(std::move(diag));
  Series pts;
  pts.kind = Series::Kind::kColoredPoints;
  pts.title = "runs (colour: N)";
  pts.point_size = 0.9;
  pts.x = d.observed;
  pts.y = d.predicted;
  pts.value = d.params;
  f.series.push_back(std::move(pts));
  return f;
}

Figure residuals_figure(const ParityData& d) {
  Figure f;
  f.name = "fit_residuals";
  f.title =
      fmt::format("{}: residuals ({} runs fitted{})", d.law, d.observed.size(), dropped_text(d));
  f.x = {"training compute C (FLOPs)", true, {}, {}};
  f.y = {"(predicted − observed) / observed (%)", false, {}, {}};
  f.colorbar = Axis{"parameters N", true, {}, {}};
  f.y_reference = 0.0;
  f.key = "top right";
  Series pts;
  pts.kind = Series::Kind::kColoredPoints;
  pts.title = "runs (colour: N)";
  pts.point_size = 0.9;
  pts.x = d.flops;
  for (std::size_t i = 0; i < d.observed.size(); ++i)
    pts.y.push_back(100 * (d.predicted[i] - d.observed[i]) / d.observed[i]);
  pts.value = d.params;
  f.series.push_back(std::move(pts));
  return f;
}

}  // namespace scalelab::plots
