#include "plots/learning_curve_figure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lib/compute.hpp"
#include "lib/output.hpp"
#include "plots/palette.hpp"

namespace scalelab::plots {

namespace {

Figure curves_figure(const LearningCurvesData& d, bool flops) {
  Figure f;
  f.name = flops ? "learning_curves_flops" : "learning_curves_tokens";
  f.title = flops ? "Training curves against compute" : "Training curves against tokens";
  f.x = {flops ? "training compute C = 6·N·D (FLOPs)" : "tokens seen D", true, {}, {}};
  f.y = {d.loss_name + " (nats/token)", true, {}, {}};
  f.key = "outside right top";
  f.width = 1100;
  // Smallest model first: colours run along model size.
  std::vector<std::size_t> order(d.runs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return d.runs[a].params < d.runs[b].params;
  });
  bool any_extrapolation = false;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const LearningCurve& r = d.runs[order[rank]];
    const std::string color = sequential_color(rank, order.size());
    // x: training compute C = 6·N·D at each point, or the tokens D themselves.
    auto x_at = [&](double tokens) {
      return flops ? training_flops_6nd(r.params, tokens) : tokens;
    };
    Series curve;
    curve.kind = Series::Kind::kLine;
    curve.color = color;
    curve.line_width = 1.6;
    curve.title = r.label.empty() ? "N = " + format_si(r.params) : escape_enhanced(r.label);
    for (std::size_t i = 0; i < r.tokens.size(); ++i) {
      curve.x.push_back(x_at(r.tokens[i]));
      curve.y.push_back(r.loss[i]);
    }
    if (curve.x.empty()) continue;
    f.series.push_back(std::move(curve));
    if (r.extrapolation && !r.extrapolation->tokens.empty()) {
      const CurveExtrapolation& e = *r.extrapolation;
      any_extrapolation = true;
      Series rest;
      rest.kind = Series::Kind::kDashedLine;
      rest.model = true;
      rest.color = color;
      rest.line_width = 1.6;
      for (std::size_t i = 0; i < e.tokens.size(); ++i) {
        rest.x.push_back(x_at(e.tokens[i]));
        rest.y.push_back(e.loss[i]);
      }
      if (e.final_interval) {
        Series bar;
        bar.kind = Series::Kind::kErrorBars;
        bar.model = true;
        bar.color = color;
        bar.point_size = 1.0;
        bar.line_width = 1.6;
        bar.x = {x_at(e.tokens.back())};
        bar.y = {e.loss.back()};
        bar.lo = {e.final_interval->lo};
        bar.hi = {e.final_interval->hi};
        f.series.push_back(std::move(bar));
      }
      f.series.push_back(std::move(rest));
    }
  }
  if (any_extrapolation) {
    // One legend entry explains every dashed remainder.
    for (auto& s : f.series)
      if (s.kind == Series::Kind::kDashedLine) {
        s.title = "extrapolated to the planned D (bar: interval of the final loss)";
        break;
      }
  }
  if (flops && d.envelope && !d.envelope->points.empty()) {
    Series env;
    env.kind = Series::Kind::kLinePoints;
    env.color = "#000000";
    env.line_width = 2.2;
    env.point_size = 0.8;
    env.title = "lower envelope (Approach 1)";
    for (const auto& p : d.envelope->points) {
      env.x.push_back(p.flops);
      env.y.push_back(p.loss);
    }
    f.series.push_back(std::move(env));
  }
  return f;
}

}  // namespace

std::vector<Figure> learning_curve_figures(const LearningCurvesData& d) {
  return {curves_figure(d, false), curves_figure(d, true)};
}

}  // namespace scalelab::plots
