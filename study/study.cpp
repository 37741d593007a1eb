#include "study/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <ostream>

#include "fitting/prediction.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "plots/frontier_figure.hpp"
#include "plots/isoflop_figure.hpp"
#include "plots/learning_curve_figure.hpp"
#include "plots/loss_compute_figure.hpp"
#include "plots/palette.hpp"
#include "plots/parity_figure.hpp"

namespace scalelab::study {

namespace fs = std::filesystem;

StudyInput study_input_from_observations(const std::vector<Observation>& observations,
                                         const std::string& source) {
  StudyInput in;
  in.source = source;
  std::map<std::string, std::size_t> last;  // run_key → index of its largest step
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    if (!o.step) {
      in.runs.push_back(o);
      continue;
    }
    in.curves.push_back(o);
    const std::string key = run_key(o);
    auto it = last.find(key);
    if (it == last.end() || *observations[it->second].step < *o.step) last[key] = i;
  }
  for (const auto& [key, i] : last) in.runs.push_back(observations[i]);
  return in;
}

namespace {

bool wanted(const StudyOptions& o, const std::string& kind) {
  return o.kinds.empty() || o.kinds.count(kind) > 0;
}

std::string interval_text(const fitting::Estimate& e, int digits = 3) {
  if (!e.interval) return format_si(e.value, digits);
  return fmt::format("{} [{}, {}]", format_si(e.value, digits), format_si(e.interval->lo, digits),
                     format_si(e.interval->hi, digits));
}

// Compute reads best in scientific notation (1.3e+23), as papers write it.
std::string flops_text(double c) { return fmt::format("{:.3g}", c); }

std::string run_name_of(const Observation& o) {
  if (!o.label.empty()) return o.label;
  if (!o.run_id.empty()) return o.run_id;
  return std::filesystem::path(o.where).filename().string();
}

std::string loss_text(const fitting::Estimate& e) {
  if (!e.interval) return fmt::format("{:.4f}", e.value);
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", e.value, e.interval->lo, e.interval->hi);
}

double max_flops(const std::vector<Observation>& runs) {
  double m = 0;
  for (const auto& r : runs) m = std::max(m, r.flops);
  return m;
}

double min_flops(const std::vector<Observation>& runs) {
  double m = runs.front().flops;
  for (const auto& r : runs) m = std::min(m, r.flops);
  return m;
}

// The curve points of one run, by step.
std::map<std::string, std::vector<const Observation*>> curves_by_run(const StudyInput& in) {
  std::map<std::string, std::vector<const Observation*>> by_run;
  for (const auto& p : in.curves) by_run[run_key(p)].push_back(&p);
  for (auto& [key, points] : by_run)
    std::stable_sort(points.begin(), points.end(), [](const Observation* a, const Observation* b) {
      return *a->step < *b->step;
    });
  return by_run;
}

}  // namespace

Study run_study(StudyInput input, const StudyOptions& o) {
  if (input.runs.empty()) throw InputError(fmt::format("{}: no runs to study", input.source));
  for (const auto& r : input.runs) validate_observation(r);
  for (const auto& k : o.kinds)
    if (std::find(kFigureKinds.begin(), kFigureKinds.end(), k) == kFigureKinds.end())
      throw InputError(fmt::format("--kind: unknown kind '{}' (accepted: {})", k,
                                   fmt::format("{}", fmt::join(kFigureKinds, ", "))));
  if (o.target_budget && !(std::isfinite(*o.target_budget) && *o.target_budget > 0))
    throw InputError(fmt::format("--budget: must be positive, got {}", *o.target_budget));
  Study s;
  s.input = std::move(input);
  s.options = o;
  const auto& runs = s.input.runs;
  s.target_budget = o.target_budget ? *o.target_budget : 10.0 * max_flops(runs);

  // Approach 3: L(N, D) = E + A/N^α + B/D^β from the 4,500-start grid, bootstrap intervals.
  auto& r3 = s.chinchilla_request;
  r3.law = "chinchilla";
  r3.fit.drop_highest = o.drop_highest;
  r3.fit.lbfgs.threads = o.threads;
  r3.bootstrap.resamples = o.bootstrap;
  r3.bootstrap.seed = o.seed;
  r3.bootstrap.level = o.level;
  r3.bootstrap.threads = o.threads;
  try {
    s.chinchilla = fitting::fit_parametric(runs, r3);
    s.target =
        fitting::predict_allocation(fitting::find_law("chinchilla"), s.chinchilla->point.x,
                                    s.chinchilla->bootstrap.samples, o.level, s.target_budget);
  } catch (const InputError& e) {
    s.chinchilla.reset();
    s.notes.push_back(std::string("Approach 3 (parametric L(N, D)) not fitted: ") + e.what());
  }

  // Approach 2: IsoFLOP profiles.
  s.isoflop_options.level = o.level;
  if (s.input.planned_budgets) {
    s.isoflop_options.grouping = fitting::IsoflopOptions::Grouping::kExact;
  } else {
    s.isoflop_options.grouping = fitting::IsoflopOptions::Grouping::kLogBins;
    s.isoflop_options.bins_per_decade = o.bins_per_decade;
  }
  try {
    s.isoflop = fitting::fit_isoflop(runs, s.isoflop_options);
    for (const auto& skipped : s.isoflop->skipped)
      s.notes.push_back("IsoFLOP budget left out: " + skipped);
  } catch (const InputError& e) {
    s.notes.push_back(std::string("Approach 2 (IsoFLOP profiles) not fitted: ") + e.what());
  }

  // Approach 1: the lower envelope of the training curves.
  if (!s.input.curves.empty()) {
    try {
      fitting::EnvelopeOptions eo;
      eo.level = o.level;
      s.envelope = fitting::fit_envelope(s.input.curves, eo);
    } catch (const InputError& e) {
      s.notes.push_back(std::string("Approach 1 (envelope) not fitted: ") + e.what());
    }
  }

  // L(C) = E + A/C^α through the IsoFLOP minima: the loss of the compute-optimal model.
  if (s.isoflop && s.isoflop->profiles.size() >= 4) {
    std::vector<Observation> minima;
    for (const auto& p : s.isoflop->profiles) {
      Observation m;
      m.params = p.params_opt.value;
      m.tokens = p.tokens_opt;
      m.flops = p.flops;
      m.loss = p.min_loss;
      m.where = fmt::format("IsoFLOP minimum at C = {:.4g}", p.flops);
      minima.push_back(m);
    }
    auto& rc = s.loss_compute_request;
    rc = r3;
    rc.law = "power-c";
    rc.fit.drop_highest = 0;
    try {
      s.loss_compute = fitting::fit_parametric(minima, rc);
      s.loss_compute_target =
          fitting::predict_loss(fitting::find_law("power-c"), s.loss_compute->point.x,
                                s.loss_compute->bootstrap.samples, o.level, s.target_budget / 6.0,
                                1.0)
              .loss;
    } catch (const InputError& e) {
      s.loss_compute.reset();
      s.notes.push_back(std::string("L(C) not fitted: ") + e.what());
    }
  } else if (s.isoflop) {
    s.notes.push_back(fmt::format(
        "L(C) = E + A/C^alpha not fitted: it needs 4 or more IsoFLOP minima, the data has {} "
        "(the compute-optimal loss curve of Approach 3 is drawn instead)",
        s.isoflop->profiles.size()));
  }

  // Learning-curve extrapolation of runs stopped before their planned D.
  const auto by_run = curves_by_run(s.input);
  for (const auto& [key, planned] : s.input.planned_tokens) {
    auto it = by_run.find(key);
    if (it == by_run.end() || it->second.empty()) continue;
    const Observation& last = *it->second.back();
    if (last.tokens >= planned * (1 - 1e-9) || *last.step <= 0) continue;
    std::vector<fitting::CurvePoint> partial;
    for (const Observation* p : it->second)
      if (*p->step > 0) partial.push_back({*p->step, p->loss});
    const double tokens_per_step = last.tokens / static_cast<double>(*last.step);
    const auto final_step = static_cast<std::int64_t>(std::llround(planned / tokens_per_step));
    fitting::LearningCurveOptions lo;
    lo.bootstrap = o.bootstrap;
    lo.seed = o.seed;
    lo.level = o.level;
    lo.threads = o.threads;
    try {
      s.extrapolations[key] = fitting::extrapolate_power_law(partial, final_step, lo);
    } catch (const InputError& e) {
      s.notes.push_back(fmt::format("run {}: curve not extrapolated: {}", key, e.what()));
    }
  }

  // Hold out the largest budget, fit the rest, predict it.
  if (o.validate && s.chinchilla) {
    try {
      fitting::HoldoutOptions ho;
      ho.fit = r3.fit;
      s.validation = fitting::validate_holdout(fitting::find_law("chinchilla"), runs, ho);
    } catch (const InputError& e) {
      s.notes.push_back(std::string("validation not run: ") + e.what());
    }
  }

  if (!s.chinchilla && !s.isoflop && !s.envelope && s.input.curves.empty()) {
    std::string why;
    for (const auto& n : s.notes) why += "; " + n;
    throw InputError(
        fmt::format("{}: no fit is possible on these {} runs{}", s.input.source, runs.size(), why));
  }
  return s;
}

namespace {

// Throws when a kind asked for by name cannot be drawn; records a note otherwise.
bool check_kind(Study& s, const std::string& kind, bool possible, const std::string& why) {
  if (possible) return true;
  if (s.options.kinds.count(kind))
    throw InputError(fmt::format("--kind {}: cannot be drawn: {}", kind, why));
  s.notes.push_back(fmt::format("figure '{}' not drawn: {}", kind, why));
  return false;
}

plots::LearningCurvesData curves_data(const Study& s) {
  plots::LearningCurvesData d;
  d.envelope = s.envelope;
  for (const auto& [key, points] : curves_by_run(s.input)) {
    plots::LearningCurve c;
    c.params = points.front()->params;
    for (const Observation* p : points) {
      if (!(p->tokens > 0)) continue;
      c.tokens.push_back(p->tokens);
      c.loss.push_back(p->loss);
    }
    auto e = s.extrapolations.find(key);
    auto planned = s.input.planned_tokens.find(key);
    if (e != s.extrapolations.end() && planned != s.input.planned_tokens.end() &&
        !c.tokens.empty()) {
      const fitting::CurveFit& fit = e->second;
      const double last_tokens = c.tokens.back();
      const double tokens_per_step = last_tokens / static_cast<double>(*points.back()->step);
      plots::CurveExtrapolation x;
      x.method = fit.model;
      const std::int64_t first = *points.back()->step;
      for (int k = 0; k <= 40; ++k) {
        const double step =
            static_cast<double>(first) + (static_cast<double>(fit.final_step - first)) * k / 40.0;
        x.tokens.push_back(step * tokens_per_step);
        x.loss.push_back(fitting::power_law_curve_loss(fit.values, step));
      }
      x.final_interval = fit.final_loss.interval;
      c.extrapolation = x;
    }
    d.runs.push_back(std::move(c));
  }
  return d;
}

}  // namespace

std::vector<plots::RenderedFigure> draw_study_figures(Study& s, const fs::path& dir) {
  std::vector<plots::Figure> figures;
  const auto& runs = s.input.runs;
  const double c_lo = min_flops(runs) / 1.5;
  const double c_hi = std::max(s.target_budget, max_flops(runs)) * 1.5;
  const auto& chin_law = fitting::find_law("chinchilla");

  if (wanted(s.options, "isoflop") &&
      check_kind(s, "isoflop", s.isoflop.has_value(), "no IsoFLOP fit (see the notes)"))
    figures.push_back(
        plots::isoflop_figure(plots::isoflop_plot_data(runs, *s.isoflop, s.isoflop_options)));

  if (wanted(s.options, "frontier") &&
      check_kind(s, "frontier", s.isoflop || s.chinchilla || s.envelope,
                 "no fit gives a compute-optimal frontier")) {
    plots::FrontierData d;
    d.isoflop = s.isoflop;
    d.envelope = s.envelope;
    d.level = s.options.level;
    d.c_min = c_lo;
    d.c_max = c_hi;
    if (s.chinchilla)
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
      check_kind(s, "curves", !s.input.curves.empty(), "the data has no training curves"))
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
    if (s.chinchilla) {
      d.curves.push_back(plots::optimal_loss_curve(
          "Approach 3: L(N_{opt}(C), D_{opt}(C))", plots::kColorFit, chin_law,
          s.chinchilla->point.x, s.chinchilla->bootstrap.samples, s.options.level, c_lo, c_hi));
      d.curves.back().short_label = "Approach 3";
    }
    if (s.loss_compute) {
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
    d.target_observed = s.options.target_observed;
    figures.push_back(plots::loss_compute_figure(d));
  }

  std::vector<plots::RenderedFigure> rendered;
  for (const auto& f : figures) rendered.push_back(plots::render_figure(f, dir));
  return rendered;
}

namespace {

plots::ReportTable parametric_table(const fitting::ParametricOutcome& o,
                                    const std::string& caption) {
  plots::ReportTable t;
  t.caption = caption;
  const bool boot = !o.bootstrap.intervals.empty();
  t.headers = {"parameter", "estimate"};
  if (boot) {
    t.headers.push_back(fmt::format("{:g}% interval", 100 * o.bootstrap.level));
  }
  t.headers.push_back("flag");
  for (std::size_t i = 0; i < o.point.names.size(); ++i) {
    std::vector<std::string> row = {o.point.names[i], fmt::format("{:.6g}", o.point.values[i])};
    if (boot)
      row.push_back(fmt::format("[{:.6g}, {:.6g}]", o.bootstrap.intervals[i].lo,
                                o.bootstrap.intervals[i].hi));
    std::string flag;
    if (i < o.point.fixed.size() && o.point.fixed[i]) flag = "fixed";
    if (i < o.point.at_bound.size() && o.point.at_bound[i]) flag = "at a bound";
    if (boot && i < o.bootstrap.at_bound.size() && o.bootstrap.at_bound[i])
      flag += flag.empty() ? "refits at a bound" : "; refits at a bound";
    row.push_back(flag);
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string fit_paragraph(const fitting::ParametricOutcome& o) {
  return fmt::format(
      "{} points fitted ({} dropped), objective {:.6g} (summed Huber, δ = 1e-3, log residuals), "
      "{} of {} starts converged, {} at the best optimum{}; termination of the best start: {}. "
      "Bootstrap: {} resamples over runs, {} failed.",
      o.point.n_points, o.point.n_dropped, o.point.objective, o.point.n_starts_converged,
      o.point.n_starts, o.point.n_starts_at_best,
      o.point.n_starts_disagreeing
          ? fmt::format(", {} tying starts disagree (not identified)", o.point.n_starts_disagreeing)
          : "",
      o.point.termination, o.bootstrap.resamples, o.bootstrap.failed);
}

std::string power_law_interval(const fitting::PowerLawFit& f) {
  if (!std::isfinite(f.exponent_interval.lo)) return fmt::format("{:.4f}", f.exponent);
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", f.exponent, f.exponent_interval.lo,
                     f.exponent_interval.hi);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

}  // namespace

plots::ReportData study_report(const Study& s, const std::vector<plots::RenderedFigure>& figures) {
  plots::ReportData r;
  r.title = "scalelab report: " + s.input.source;
  r.subtitle = fmt::format("{} runs; generated {} by scalelab", s.input.runs.size(), now_utc());
  const int level = static_cast<int>(std::lround(100 * s.options.level));

  {  // Summary
    plots::ReportSection sec{"summary", "Summary", {}, {}, {}, {}};
    if (s.target)
      sec.paragraphs.push_back(fmt::format(
          "Compute-optimal prediction at C = {} FLOPs (Approach 3, {}% bootstrap intervals): "
          "loss {}, N_opt {}, D_opt {}, {} tokens per parameter.",
          flops_text(s.target_budget), level, loss_text(s.target->loss),
          interval_text(s.target->params), interval_text(s.target->tokens),
          interval_text(s.target->tokens_per_param)));
    if (s.options.target_observed && s.target) {
      const double pred = s.target->loss.value, obs = *s.options.target_observed;
      const bool inside = s.target->loss.interval && obs >= s.target->loss.interval->lo &&
                          obs <= s.target->loss.interval->hi;
      sec.paragraphs.push_back(
          fmt::format("Observed loss of the run trained at that budget: {:.4f}; predicted {:.4f} "
                      "(error {:+.2f}%), {} the {}% interval.",
                      obs, pred, 100 * (pred - obs) / obs, inside ? "inside" : "outside", level));
    }
    for (const auto& n : s.notes) sec.paragraphs.push_back("Note: " + n);
    r.sections.push_back(std::move(sec));
  }

  {  // Figures
    plots::ReportSection sec{"figures", "Figures", {}, {}, {}, figures};
    if (figures.empty()) sec.paragraphs.push_back("No figure was drawn.");
    r.sections.push_back(std::move(sec));
  }

  {  // Fits
    plots::ReportSection sec{"fits", "Fits", {}, {}, {}, {}};
    if (s.chinchilla) {
      sec.tables.push_back(parametric_table(
          *s.chinchilla, "Approach 3: L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022)"));
      sec.paragraphs.push_back("Approach 3: " + fit_paragraph(*s.chinchilla));
    }
    if (s.isoflop) {
      plots::ReportTable t;
      t.caption = "Approach 2: IsoFLOP profiles (parabola of loss in ln N per budget)";
      t.headers = {"budget C",
                   "runs",
                   fmt::format("N_opt ({}% interval)", level),
                   "D_opt",
                   "loss at minimum",
                   "minimum inside the runs' range"};
      for (const auto& p : s.isoflop->profiles)
        t.rows.push_back({flops_text(p.flops), std::to_string(p.n_runs),
                          interval_text(p.params_opt), format_si(p.tokens_opt),
                          fmt::format("{:.4f}", p.min_loss), p.extrapolated ? "no" : "yes"});
      sec.tables.push_back(std::move(t));
      sec.paragraphs.push_back(fmt::format(
          "Approach 2 power laws ({}% Student-t intervals): N_opt ∝ C^{}, D_opt ∝ C^{}.", level,
          power_law_interval(s.isoflop->params_opt), power_law_interval(s.isoflop->tokens_opt)));
    }
    if (s.envelope)
      sec.paragraphs.push_back(fmt::format(
          "Approach 1 (lower envelope of {} curve points, {} envelope points): N_opt ∝ C^{}, "
          "D_opt ∝ C^{}.",
          s.input.curves.size(), s.envelope->points.size(),
          power_law_interval(s.envelope->params_opt), power_law_interval(s.envelope->tokens_opt)));
    if (s.loss_compute) {
      sec.tables.push_back(
          parametric_table(*s.loss_compute, "L(C) = E + A/C^alpha through the IsoFLOP minima"));
      sec.paragraphs.push_back("L(C): " + fit_paragraph(*s.loss_compute));
    }
    r.sections.push_back(std::move(sec));
  }

  {  // Predictions
    plots::ReportSection sec{"predictions", "Predictions", {}, {}, {}, {}};
    plots::ReportTable t;
    t.caption = fmt::format("At C = {} FLOPs ({}% bootstrap intervals)",
                            flops_text(s.target_budget), level);
    t.headers = {"source", "loss", "N_opt", "D_opt", "D/N"};
    if (s.target)
      t.rows.push_back({"Approach 3", loss_text(s.target->loss), interval_text(s.target->params),
                        interval_text(s.target->tokens),
                        interval_text(s.target->tokens_per_param)});
    if (s.loss_compute_target)
      t.rows.push_back(
          {"L(C) through IsoFLOP minima", loss_text(*s.loss_compute_target), "", "", ""});
    if (s.isoflop) {
      const double n = s.isoflop->params_opt.at(s.target_budget);
      const double d = s.isoflop->tokens_opt.at(s.target_budget);
      t.rows.push_back(
          {"Approach 2 power laws", "", format_si(n), format_si(d), fmt::format("{:.1f}", d / n)});
    }
    if (s.options.target_observed)
      t.rows.push_back(
          {"observed (trained)", fmt::format("{:.4f}", *s.options.target_observed), "", "", ""});
    if (!t.rows.empty()) sec.tables.push_back(std::move(t));
    if (!s.extrapolations.empty()) {
      plots::ReportTable x;
      x.caption =
          "Runs stopped early: extrapolated final loss (power law in steps; interval from a "
          "bootstrap over curve points, a lower bound on the true uncertainty)";
      x.headers = {"run", "final step", fmt::format("final loss ({}% interval)", level)};
      for (const auto& [key, fit] : s.extrapolations)
        x.rows.push_back({key, std::to_string(fit.final_step), loss_text(fit.final_loss)});
      sec.tables.push_back(std::move(x));
    }
    r.sections.push_back(std::move(sec));
  }

  if (s.validation) {  // Validation
    plots::ReportSection sec{"validation", "Validation", {}, {}, {}, {}};
    const auto& v = *s.validation;
    sec.paragraphs.push_back(
        fmt::format("Approach 3 fitted without the runs at C ≥ {} FLOPs ({} runs fitted), then "
                    "asked to predict "
                    "them: mean absolute relative error {:.2f}%.",
                    flops_text(v.threshold), v.fit.n_points, 100 * v.mean_abs_relative_error));
    plots::ReportTable t;
    t.headers = {"run", "N", "D", "C", "observed", "predicted", "error"};
    for (const auto& h : v.held_out)
      t.rows.push_back({run_name_of(h.run), format_si(h.run.params), format_si(h.run.tokens),
                        flops_text(h.run.flops), fmt::format("{:.4f}", h.run.loss),
                        fmt::format("{:.4f}", h.predicted),
                        fmt::format("{:+.2f}%", 100 * h.relative_error)});
    sec.tables.push_back(std::move(t));
    r.sections.push_back(std::move(sec));
  }

  {  // Plan
    plots::ReportSection sec{"plan", "Plan", {}, {}, {}, {}};
    if (s.input.plan.is_object()) {
      std::string options;
      for (const auto& [key, value] : s.input.plan.items())
        options += (options.empty() ? "" : "; ") + key + " = " + value.dump();
      sec.paragraphs.push_back("Plan options: " + options + ".");
      // The planned grid, from the runs: per budget its model sizes and token counts.
      std::map<double, std::vector<const StudyRunRow*>> by_budget;
      for (const auto& row : s.input.run_table)
        by_budget[row.budget ? *row.budget : row.flops].push_back(&row);
      plots::ReportTable t;
      t.caption = "Planned IsoFLOP grid (C = 6ND)";
      t.headers = {"budget C (FLOPs)", "runs", "model sizes N", "tokens D"};
      for (const auto& [budget, rows] : by_budget) {
        std::string sizes, tokens;
        for (const StudyRunRow* row : rows) {
          sizes += (sizes.empty() ? "" : ", ") + format_si(row->params);
          tokens += (tokens.empty() ? "" : ", ") + format_si(row->tokens);
        }
        t.rows.push_back({flops_text(budget), std::to_string(rows.size()), sizes, tokens});
      }
      sec.tables.push_back(std::move(t));
    } else {
      sec.paragraphs.push_back(
          "Imported data: no plan. IsoFLOP profiles group the runs in log-spaced compute bins (" +
          fmt::format("{:g}", s.options.bins_per_decade) + " per decade).");
    }
    r.sections.push_back(std::move(sec));
  }

  {  // Runs
    plots::ReportSection sec{"runs", "Runs", {}, {}, {}, {}};
    plots::ReportTable t;
    t.headers = {"run", "status", "N", "D", "C (FLOPs)", "D/N", "final loss"};
    if (!s.input.run_table.empty()) {
      for (const auto& row : s.input.run_table)
        t.rows.push_back({row.name, row.status, format_si(row.params), format_si(row.tokens),
                          flops_text(row.flops), fmt::format("{:.3g}", row.tokens / row.params),
                          row.loss ? fmt::format("{:.4f}", *row.loss) : "—"});
    } else {
      for (const auto& o : s.input.runs)
        t.rows.push_back({run_name_of(o), "done", format_si(o.params), format_si(o.tokens),
                          flops_text(o.flops), fmt::format("{:.3g}", o.tokens / o.params),
                          fmt::format("{:.4f}", o.loss)});
    }
    sec.tables.push_back(std::move(t));
    r.sections.push_back(std::move(sec));
  }

  {  // Reproduce
    plots::ReportSection sec{"reproduce", "Reproduce", {}, {}, {}, {}};
    sec.paragraphs.push_back(
        "Each figure's data (.dat) and gnuplot script (.gp) sit beside its images; edit the "
        "script and re-run `gnuplot NAME.gp` in that directory.");
    std::string cmds;
    for (const auto& c : s.input.commands) cmds += c + "\n";
    if (!cmds.empty()) sec.code.push_back(cmds);
    r.sections.push_back(std::move(sec));
  }
  return r;
}

void print_study_summary(std::ostream& out, const Study& s) {
  out << fmt::format("{}: {} runs\n", s.input.source, s.input.runs.size());
  if (s.chinchilla) {
    const auto& p = s.chinchilla->point;
    out << fmt::format(
        "approach 3: E={:.4g} A={:.4g} B={:.4g} alpha={:.4g} beta={:.4g} "
        "(objective {:.6g}, {} points, {})\n",
        p.value("E"), p.value("A"), p.value("B"), p.value("alpha"), p.value("beta"), p.objective,
        p.n_points, p.converged ? "converged" : "NOT converged");
  }
  if (s.isoflop)
    out << fmt::format("approach 2: {} budgets, N_opt ∝ C^{}, D_opt ∝ C^{}\n",
                       s.isoflop->profiles.size(), power_law_interval(s.isoflop->params_opt),
                       power_law_interval(s.isoflop->tokens_opt));
  if (s.envelope)
    out << fmt::format("approach 1: N_opt ∝ C^{}\n", power_law_interval(s.envelope->params_opt));
  if (s.target)
    out << fmt::format("prediction at C = {}: loss {}, N_opt {}, D_opt {}\n",
                       flops_text(s.target_budget), loss_text(s.target->loss),
                       interval_text(s.target->params), interval_text(s.target->tokens));
  if (s.validation)
    out << fmt::format("validation (largest budget held out): mean |error| {:.2f}%\n",
                       100 * s.validation->mean_abs_relative_error);
  for (const auto& n : s.notes) out << "note: " << n << "\n";
}

}  // namespace scalelab::study
