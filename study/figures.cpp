#include "study/figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "lib/error.hpp"
#include "plots/frontier_figure.hpp"
#include "plots/isoflop_figure.hpp"
#include "plots/learning_curve_figure.hpp"
#include "plots/loss_compute_figure.hpp"
#include "plots/palette.hpp"
#include "plots/parity_figure.hpp"

namespace scalelab::study {

namespace {

// A fit that may be drawn as a law (frontier, loss curves): present and not degenerate
// (fitting/degeneracy.hpp). A degenerate fit is still shown in the parity plot and the report.
bool sound(const std::optional<fitting::ParametricOutcome>& fit) { return fit && !fit->degenerate; }

bool wanted(const StudyOptions& o, const std::string& kind) {
  return o.kinds.empty() || o.kinds.count(kind) > 0;
}

// Throws when a kind asked for by name cannot be drawn; records a note otherwise.
bool check_kind(Study& s, const std::string& kind, bool possible, const std::string& why) {
  if (possible) return true;
  if (s.options.kinds.count(kind))
    throw InputError(fmt::format("--kind {}: cannot be drawn: {}", kind, why));
  s.notes.push_back(fmt::format("figure '{}' not drawn: {}", kind, why));
  return false;
}

double min_flops(const std::vector<Observation>& runs) {
  double m = runs.front().flops;
  for (const auto& r : runs) m = std::min(m, r.flops);
  return m;
}

double max_flops(const std::vector<Observation>& runs) {
  double m = 0;
  for (const auto& r : runs) m = std::max(m, r.flops);
  return m;
}

// Each run's curve (by name, as the legend lists them); a run stopped early gets its stored
// extrapolation drawn from its last logged point to its planned tokens, with the interval.
plots::LearningCurvesData curves_data(const Study& s) {
  plots::LearningCurvesData d;
  d.envelope = s.envelope;
  std::map<std::string, const StudyRun*> by_name;
  for (const StudyRun& r : s.runs.runs)
    if (!r.curve.empty()) by_name.emplace(r.name, &r);
  for (const auto& [name, r] : by_name) {
    plots::LearningCurve c;
    c.params = r->params_as(s.param_count);
    for (const CurvePoint& p : r->curve) {
      c.tokens.push_back(p.tokens);
      c.loss.push_back(p.loss);
    }
    if (r->loss && r->loss->kind == LossKind::kExtrapolated && !c.tokens.empty()) {
      plots::CurveExtrapolation x;
      x.method = r->loss->model.empty() ? "extrapolated" : r->loss->model;
      x.tokens = {c.tokens.back(), r->planned_tokens};
      x.loss = {c.loss.back(), r->loss->value};
      x.final_interval = r->loss->interval;
      c.extrapolation = x;
    }
    d.runs.push_back(std::move(c));
  }
  return d;
}

}  // namespace

std::vector<plots::RenderedFigure> draw_study_figures(Study& s, const std::filesystem::path& dir) {
  std::vector<plots::Figure> figures;
  const auto& runs = s.observations;
  const double c_lo = min_flops(runs) / 1.5;
  const double c_hi = std::max(s.target_budget, max_flops(runs)) * 1.5;
  const auto& chin_law = fitting::find_law("chinchilla");

  if (wanted(s.options, "isoflop") &&
      check_kind(s, "isoflop", s.isoflop.has_value(), "no IsoFLOP fit (see the notes)"))
    figures.push_back(
        plots::isoflop_figure(plots::isoflop_plot_data(runs, *s.isoflop, s.isoflop_options)));

  if (wanted(s.options, "frontier") &&
      check_kind(s, "frontier", s.isoflop || sound(s.chinchilla) || s.envelope,
                 "no fit gives a compute-optimal frontier")) {
    plots::FrontierData d;
    d.isoflop = s.isoflop;
    d.envelope = s.envelope;
    d.level = s.options.level;
    d.c_min = c_lo;
    d.c_max = c_hi;
    if (sound(s.chinchilla))
      d.parametric =
          plots::parametric_frontier("Approach 3: L(N, D) fit", chin_law, s.chinchilla->point.x,
                                     s.chinchilla->bootstrap.samples, s.options.level, c_lo, c_hi);
    for (auto& f : plots::frontier_figures(d)) figures.push_back(std::move(f));
  }

  if (wanted(s.options, "parity") &&
      check_kind(s, "parity", s.chinchilla.has_value(), "no parametric fit (see the notes)")) {
    const auto data =
        plots::parity_data("Approach 3, L = E + A/N^{α} + B/D^{β}", s.chinchilla->point);
    figures.push_back(plots::parity_figure(data));
    figures.push_back(plots::residuals_figure(data));
  }

  if (wanted(s.options, "curves") &&
      check_kind(s, "curves", !s.curves.empty(), "the data has no training curves"))
    for (auto& f : plots::learning_curve_figures(curves_data(s))) figures.push_back(std::move(f));

  if (wanted(s.options, "loss-compute")) {
    plots::LossComputeData d;
    d.level = s.options.level;
    for (const auto& r : runs) {
      d.flops.push_back(r.flops);
      d.loss.push_back(r.loss);
      d.params.push_back(r.params);
    }
    if (s.isoflop)
      for (const auto& p : s.isoflop->profiles) {
        d.frontier_flops.push_back(p.flops);
        d.frontier_loss.push_back(p.min_loss);
      }
    if (sound(s.chinchilla)) {
      d.curves.push_back(plots::optimal_loss_curve(
          "Approach 3: L(N_{opt}(C), D_{opt}(C))", plots::kColorFit, chin_law,
          s.chinchilla->point.x, s.chinchilla->bootstrap.samples, s.options.level, c_lo, c_hi));
      d.curves.back().short_label = "Approach 3";
    }
    if (sound(s.loss_compute)) {
      d.curves.push_back(plots::compute_law_curve(
          "L(C) = E + A/C^{α} through the IsoFLOP minima", plots::kColorFitAlt,
          fitting::find_law("power-c"), s.loss_compute->point.x, s.loss_compute->bootstrap.samples,
          s.options.level, c_lo, c_hi));
      d.curves.back().short_label = "L(C)";
    }
    d.target_flops = s.target_budget;
    if (s.target)
      d.target_prediction = s.target->loss;
    else if (s.loss_compute_target)
      d.target_prediction = s.loss_compute_target;
    if (s.target_check) d.target_observed = s.target_check->observed;
    figures.push_back(plots::loss_compute_figure(d));
  }

  std::vector<plots::RenderedFigure> rendered;
  for (const auto& f : figures) rendered.push_back(plots::render_figure(f, dir));
  return rendered;
}

}  // namespace scalelab::study
