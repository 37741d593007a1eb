#include "study/study.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "lib/error.hpp"

namespace scalelab::study {

namespace {

bool finite_positive(double v) { return std::isfinite(v) && v > 0; }

double max_flops(const std::vector<Observation>& runs) {
  double m = 0;
  for (const auto& r : runs) m = std::max(m, r.flops);
  return m;
}

// Approach 3: L(N, D) = E + A/N^α + B/D^β from the 4,500-start grid, bootstrap intervals.
void fit_approach_3(Study& s) {
  const StudyOptions& o = s.options;
  auto& r3 = s.chinchilla_request;
  r3.law = "chinchilla";
  r3.fit.drop_highest = o.drop_highest;
  r3.fit.lbfgs.threads = o.threads;
  r3.bootstrap.resamples = o.bootstrap;
  r3.bootstrap.seed = o.seed;
  r3.bootstrap.level = o.level;
  r3.bootstrap.threads = o.threads;
  try {
    s.chinchilla = fitting::fit_parametric(s.observations, r3);
  } catch (const InputError& e) {
    s.chinchilla.reset();
    s.notes.push_back(std::string("Approach 3 (parametric L(N, D)) not fitted: ") + e.what());
    return;
  }
  // A degenerate fit (fitting/degeneracy.hpp) is kept to be shown, marked, but not allocated
  // from: approach3_problem says why.
  if (s.chinchilla->degenerate) return;
  try {
    s.target = fitting::predict_allocation(s.chinchilla->fitted_law("Approach 3"), s.target_budget);
  } catch (const InputError& e) {
    s.notes.push_back(std::string("Approach 3 gave no allocation at the target budget: ") +
                      e.what());
  }
}

// Approach 2: IsoFLOP profiles, grouped by planned budget (a sweep allocated in the study's
// parameter count) or in log-spaced compute bins.
void fit_approach_2(Study& s) {
  s.isoflop_options.level = s.options.level;
  const bool exact =
      s.runs.planned_budgets && s.param_count == s.runs.planned_count.value_or(ParamCount::kTotal);
  if (exact) {
    s.isoflop_options.grouping = fitting::IsoflopOptions::Grouping::kExact;
  } else {
    s.isoflop_options.grouping = fitting::IsoflopOptions::Grouping::kLogBins;
    s.isoflop_options.bins_per_decade = s.options.bins_per_decade;
  }
  try {
    s.isoflop = fitting::fit_isoflop(s.observations, s.isoflop_options);
    for (const auto& skipped : s.isoflop->skipped)
      s.notes.push_back("IsoFLOP budget left out: " + skipped);
  } catch (const InputError& e) {
    s.notes.push_back(std::string("Approach 2 (IsoFLOP profiles) not fitted: ") + e.what());
  }
}

// Approach 1: the lower envelope of the training curves.
void fit_approach_1(Study& s) {
  if (s.curves.empty()) return;
  try {
    fitting::EnvelopeOptions eo;
    eo.level = s.options.level;
    s.envelope = fitting::fit_envelope(s.curves, eo);
  } catch (const InputError& e) {
    s.notes.push_back(std::string("Approach 1 (envelope) not fitted: ") + e.what());
  }
}

// L(C) = E + A/C^α through the IsoFLOP minima: the loss of the compute-optimal model.
void fit_loss_compute(Study& s) {
  if (!s.isoflop) return;
  if (s.isoflop->profiles.size() < 4) {
    s.notes.push_back(fmt::format(
        "L(C) = E + A/C^alpha not fitted: it needs 4 or more IsoFLOP minima, the data has {}{}",
        s.isoflop->profiles.size(),
        s.chinchilla && !s.chinchilla->degenerate
            ? " (the compute-optimal loss curve of Approach 3 is drawn instead)"
            : ""));
    return;
  }
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
  rc = s.chinchilla_request;
  rc.law = "power-c";
  rc.fit.drop_highest = 0;
  try {
    s.loss_compute = fitting::fit_parametric(minima, rc);
  } catch (const InputError& e) {
    s.loss_compute.reset();
    s.notes.push_back(std::string("L(C) not fitted: ") + e.what());
    return;
  }
  if (s.loss_compute->degenerate) {  // shown, marked, not predicted from
    s.notes.push_back("L(C) is degenerate and is not used: " + s.loss_compute->degenerate_reason);
    return;
  }
  try {
    s.loss_compute_target =
        fitting::predict_loss_at_budget(s.loss_compute->fitted_law("L(C)"), s.target_budget).loss;
  } catch (const InputError& e) {
    s.notes.push_back(std::string("L(C) gave no loss at the target budget: ") + e.what());
  }
}

// Hold out the largest budget, fit the rest, predict it.
void validate(Study& s) {
  if (!s.options.validate || !s.chinchilla) return;
  try {
    fitting::HoldoutOptions ho;
    ho.fit = s.chinchilla_request.fit;
    s.validation = fitting::validate_holdout(fitting::find_law("chinchilla"), s.observations, ho);
    if (s.validation->fit.degenerate) {  // its predictions are not a hold-out error
      s.notes.push_back(
          "validation not reported: the fit without the largest budget is "
          "degenerate: " +
          s.validation->fit.degenerate_reason);
      s.validation.reset();
    }
  } catch (const InputError& e) {
    s.notes.push_back(std::string("validation not run: ") + e.what());
  }
}

// What the run set says about runs it does not fit, and about losses that are not measured.
void note_provenance(Study& s) {
  std::size_t extrapolated = 0;
  for (const StudyRun& r : s.runs.runs) {
    if (!r.fitted() && !r.excluded.empty() && r.status != "pending" && r.status != "running")
      s.notes.push_back(fmt::format("run {} not fitted: {}", r.name, r.excluded));
    if (r.loss && r.loss->kind == LossKind::kExtrapolated) ++extrapolated;
  }
  if (extrapolated > 0)
    s.notes.push_back(fmt::format(
        "{} of the {} fitted runs were stopped early: they enter the fits with the final loss "
        "the early-stop mode extrapolated for their planned D (table 'Runs stopped early')",
        extrapolated, s.observations.size()));
}

}  // namespace

Study run_study(RunSet runs, const StudyOptions& o) {
  for (const auto& k : o.kinds)
    if (std::find(kFigureKinds.begin(), kFigureKinds.end(), k) == kFigureKinds.end())
      throw InputError(fmt::format("--kind: unknown kind '{}' (accepted: {})", k,
                                   fmt::format("{}", fmt::join(kFigureKinds, ", "))));
  if (o.target_budget && !(std::isfinite(*o.target_budget) && *o.target_budget > 0))
    throw InputError(fmt::format("--budget: must be positive, got {}", *o.target_budget));
  Study s;
  s.runs = std::move(runs);
  s.options = o;
  s.commands = s.runs.commands;
  s.param_count = o.param_count.value_or(s.runs.planned_count.value_or(ParamCount::kTotal));
  s.observations = s.runs.fit_observations(s.param_count);
  if (s.observations.empty()) throw InputError(fmt::format("{}: no runs to study", s.runs.source));
  for (const auto& r : s.observations) validate_observation(r);
  s.curves = s.runs.curve_observations(s.param_count);
  s.target_budget = o.target_budget ? *o.target_budget : 10.0 * max_flops(s.observations);

  fit_approach_3(s);
  fit_approach_2(s);
  fit_approach_1(s);
  fit_loss_compute(s);
  validate(s);
  note_provenance(s);

  if (!s.chinchilla && !s.isoflop && !s.envelope && s.curves.empty()) {
    std::string why;
    for (const auto& n : s.notes) why += "; " + n;
    throw InputError(fmt::format("{}: no fit is possible on these {} runs{}", s.runs.source,
                                 s.observations.size(), why));
  }
  return s;
}

std::string approach3_problem(const Study& s) {
  if (!s.chinchilla) return "no Approach-3 fit";
  // The one definition of a degenerate fit: fitting/degeneracy.hpp.
  if (s.chinchilla->degenerate)
    return "Approach 3 is degenerate: " + s.chinchilla->degenerate_reason;
  if (!s.target) return "Approach 3 gave no allocation at the target budget";
  if (!finite_positive(s.target->params.value) || !finite_positive(s.target->tokens.value))
    return "Approach 3's allocation at the target budget is not positive";
  return "";
}

std::string prediction_problem(const Study& s) {
  const std::string problem = approach3_problem(s);
  if (problem.empty()) return "";
  if (!s.loss_compute) return problem + "; no L(C) fit";
  if (s.loss_compute->degenerate)
    return problem + "; L(C) is degenerate: " + s.loss_compute->degenerate_reason;
  return "";
}

TargetCheck check_target(const Study& s, const StudyRun& run) {
  const std::string problem = approach3_problem(s);
  if (const std::string none = prediction_problem(s); !none.empty())
    throw InputError(
        fmt::format("{}: nothing to predict run {} with ({})", s.runs.source, run.name, none));
  if (!run.loss)
    throw InputError(fmt::format("run {} has no loss to compare with: {}", run.name,
                                 run.excluded.empty() ? "not finished" : run.excluded));
  TargetCheck c;
  c.run = run.name;
  c.params = run.params_as(s.param_count);
  c.tokens = run.loss_tokens();
  c.flops = run.flops;
  if (problem.empty()) {
    c.method = "Approach 3";
    c.predicted =
        fitting::predict_loss(s.chinchilla->fitted_law("Approach 3"), c.params, c.tokens).loss;
  } else {
    c.method = "L(C) through the IsoFLOP minima (" + problem + ")";
    c.predicted = fitting::predict_loss_at_budget(s.loss_compute->fitted_law("L(C)"), c.flops).loss;
  }
  c.observed = run.loss->value;
  c.relative_error = (c.predicted.value - c.observed) / c.observed;
  c.inside = c.predicted.interval && c.observed >= c.predicted.interval->lo &&
             c.observed <= c.predicted.interval->hi;
  return c;
}

}  // namespace scalelab::study
