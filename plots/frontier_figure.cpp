#include "plots/frontier_figure.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/compute.hpp"
#include "lib/scaling_law.hpp"
#include "plots/palette.hpp"

namespace scalelab::plots {

namespace {

constexpr const char* kColorEnvelope = "#56B4E9";

std::vector<double> log_spaced(double lo, double hi, int points) {
  std::vector<double> v;
  for (int i = 0; i < points; ++i)
    v.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (points - 1)));
  return v;
}

// "0.50 [0.45, 0.55]" for an exponent and its interval (the interval left out when NaN).
std::string exponent_text(const fitting::PowerLawFit& fit) {
  if (std::isfinite(fit.exponent_interval.lo) && std::isfinite(fit.exponent_interval.hi))
    return fmt::format("{:.3f} [{:.3f}, {:.3f}]", fit.exponent, fit.exponent_interval.lo,
                       fit.exponent_interval.hi);
  return fmt::format("{:.3f}", fit.exponent);
}

Series line(Series::Kind kind, std::string title, std::string color, std::vector<double> x,
            std::vector<double> y) {
  Series s;
  s.kind = kind;
  s.title = std::move(title);
  s.color = std::move(color);
  s.x = std::move(x);
  s.y = std::move(y);
  s.model = true;  // every line of this figure is a fitted or published law
  return s;
}

Figure frontier_figure(const FrontierData& d, bool params) {
  Figure f;
  const char* sym = params ? "N_{opt}" : "D_{opt}";
  f.name = params ? "frontier_params" : "frontier_tokens";
  f.title = params ? "Compute-optimal model size" : "Compute-optimal training tokens";
  f.x = {"training compute C (FLOPs)", true, {}, {}};
  f.y = {params ? "compute-optimal parameters N_{opt}" : "compute-optimal tokens D_{opt}",
         true,
         {},
         {}};
  f.key = "bottom right";  // the lines rise to the right: the lower right stays empty
  const std::vector<double> grid = log_spaced(d.c_min, d.c_max, 40);
  const int level = static_cast<int>(std::lround(100 * d.level));

  if (d.parametric) {
    const FrontierCurve& c = *d.parametric;
    const auto& values = params ? c.params : c.tokens;
    Series band;
    band.kind = Series::Kind::kBand;
    band.model = true;
    band.color = kColorFit;
    Series mid = line(Series::Kind::kLine, c.label, kColorFit, {}, {});
    for (std::size_t i = 0; i < c.flops.size(); ++i) {
      mid.x.push_back(c.flops[i]);
      mid.y.push_back(values[i].value);
      if (values[i].interval) {
        band.x.push_back(c.flops[i]);
        band.lo.push_back(values[i].interval->lo);
        band.hi.push_back(values[i].interval->hi);
      }
    }
    if (!band.x.empty()) {
      band.title = fmt::format("{} {}% bootstrap band", c.label, level);
      f.series.push_back(std::move(band));
    }
    f.series.push_back(std::move(mid));
  }
  if (d.envelope) {
    const fitting::EnvelopeResult& e = *d.envelope;
    Series pts;
    pts.kind = Series::Kind::kOpenPoints;
    pts.color = kColorEnvelope;
    pts.title = "Approach 1: lower envelope of training curves";
    for (const auto& p : e.points) {
      pts.x.push_back(p.flops);
      pts.y.push_back(params ? p.params : p.tokens);
    }
    f.series.push_back(std::move(pts));
    const fitting::PowerLawFit& law = params ? e.params_opt : e.tokens_opt;
    std::vector<double> y;
    for (double c : grid) y.push_back(law.at(c));
    f.series.push_back(line(Series::Kind::kDashedLine,
                            fmt::format("Approach 1 fit: {} ∝ C^{{{}}}", sym, exponent_text(law)),
                            kColorEnvelope, grid, y));
  }
  if (d.isoflop) {
    const fitting::IsoflopResult& r = *d.isoflop;
    Series pts;
    pts.kind = Series::Kind::kErrorBars;
    pts.model = true;  // per-budget parabola minima: fitted, not observed
    pts.color = "#000000";
    pts.point_size = 1.2;
    pts.line_width = 1.5;
    pts.title = fmt::format("Approach 2: IsoFLOP minima ({}% interval)", level);
    for (const auto& p : r.profiles) {
      const double n = p.params_opt.value;
      const double n_lo = p.params_opt.interval ? p.params_opt.interval->lo : n;
      const double n_hi = p.params_opt.interval ? p.params_opt.interval->hi : n;
      pts.x.push_back(p.flops);
      if (params) {
        pts.y.push_back(n);
        pts.lo.push_back(n_lo);
        pts.hi.push_back(n_hi);
      } else {  // D = C / (6N): the interval flips
        pts.y.push_back(p.tokens_opt);
        pts.lo.push_back(tokens_for_budget_6nd(p.flops, n_hi));
        pts.hi.push_back(tokens_for_budget_6nd(p.flops, n_lo));
      }
    }
    f.series.push_back(std::move(pts));
    const fitting::PowerLawFit& law = params ? r.params_opt : r.tokens_opt;
    std::vector<double> y;
    for (double c : grid) y.push_back(law.at(c));
    f.series.push_back(line(Series::Kind::kLine,
                            fmt::format("Approach 2 fit: {} ∝ C^{{{}}}", sym, exponent_text(law)),
                            kColorFitAlt, grid, y));
  }
  if (d.published) {
    std::vector<double> chin, kap;
    for (double c : grid) {
      const Allocation a = kHoffmann2022.optimal_allocation(c);
      const Allocation k = kKaplan2020.optimal_allocation(c);
      chin.push_back(params ? a.params : a.tokens);
      kap.push_back(params ? k.params : k.tokens);
    }
    f.series.push_back(line(Series::Kind::kDashedLine,
                            "Hoffmann et al. 2022 (Chinchilla, Approach 3 as published)",
                            kColorChinchilla, grid, chin));
    f.series.push_back(line(Series::Kind::kDashedLine,
                            "Kaplan et al. 2020 (N_{opt} ∝ C^{0.73}, non-embedding N)",
                            kColorKaplan, grid, kap));
  }
  return f;
}

}  // namespace

FrontierCurve parametric_frontier(const std::string& label, const fitting::LawSpec& law,
                                  const std::vector<double>& x,
                                  const std::vector<std::vector<double>>& samples, double level,
                                  double c_min, double c_max, int points) {
  FrontierCurve c;
  c.label = label;
  for (double flops : log_spaced(c_min, c_max, points)) {
    const fitting::AllocationPrediction a =
        fitting::predict_allocation(law, x, samples, level, flops);
    c.flops.push_back(flops);
    c.params.push_back(a.params);
    c.tokens.push_back(a.tokens);
  }
  return c;
}

std::vector<Figure> frontier_figures(const FrontierData& d) {
  return {frontier_figure(d, true), frontier_figure(d, false)};
}

}  // namespace scalelab::plots
