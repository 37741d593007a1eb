#include "study/trust.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "lib/output.hpp"
#include "study/text.hpp"

namespace scalelab::study {

namespace {

std::string estimate_text(const fitting::ParametricOutcome& o, const std::string& name) {
  const double v = o.point.value(name);
  for (std::size_t i = 0; i < o.point.names.size() && i < o.bootstrap.intervals.size(); ++i)
    if (o.point.names[i] == name)
      return fmt::format("{} [{}, {}]", format_general(v, 3),
                         format_general(o.bootstrap.intervals[i].lo, 3),
                         format_general(o.bootstrap.intervals[i].hi, 3));
  return format_general(v, 3);
}

std::set<double> planned_budgets(const Study& s) {
  std::set<double> budgets;
  for (const StudyRun& r : s.runs.runs)
    if (r.fitted()) budgets.insert(r.budget ? *r.budget : r.flops);
  return budgets;
}

}  // namespace

std::vector<TrustCheck> trust_checks(const Study& s, const TrustOptions& o) {
  std::vector<TrustCheck> out;
  const std::string problem = approach3_problem(s);
  out.push_back(
      {"Approach 3 fitted and usable", problem.empty() ? "yes" : problem, problem.empty()});
  const std::string range = fmt::format("[{:g}, {:g}]", o.exponent_min, o.exponent_max);
  for (const char* name : {"alpha", "beta"}) {
    if (!s.chinchilla) {
      out.push_back({fmt::format("{} in {}", name, range), "no fit", false});
      continue;
    }
    const double v = s.chinchilla->point.value(name);
    out.push_back({fmt::format("{} in {}", name, range), estimate_text(*s.chinchilla, name),
                   std::isfinite(v) && v >= o.exponent_min && v <= o.exponent_max});
  }
  if (s.chinchilla) {
    std::string at_bound;
    const auto& p = s.chinchilla->point;
    for (std::size_t i = 0; i < p.at_bound.size(); ++i)
      if (p.at_bound[i]) at_bound += (at_bound.empty() ? "" : ", ") + p.names[i];
    out.push_back(
        {"no parameter at a bound", at_bound.empty() ? "none" : at_bound, at_bound.empty()});
    std::string unbounded;
    const auto& b = s.chinchilla->bootstrap;
    for (std::size_t i = 0; i < b.intervals.size(); ++i)
      if (!std::isfinite(b.intervals[i].lo) || !std::isfinite(b.intervals[i].hi) ||
          (i < b.at_bound.size() && b.at_bound[i]))
        unbounded += (unbounded.empty() ? "" : ", ") + p.names[i];
    const bool have = !b.intervals.empty();
    out.push_back({"finite bootstrap intervals",
                   !have ? "no bootstrap" : (unbounded.empty() ? "all" : "not: " + unbounded),
                   have && unbounded.empty()});
  }
  const std::set<double> budgets = planned_budgets(s);
  {
    std::size_t inside = 0, profiles = 0;
    std::string outside;
    if (s.isoflop) {
      profiles = s.isoflop->profiles.size();
      for (const auto& p : s.isoflop->profiles) {
        if (!p.extrapolated)
          ++inside;
        else
          outside += (outside.empty() ? "" : ", ") + flops_text(p.flops);
      }
    }
    const bool met = s.isoflop && inside == budgets.size() && profiles == budgets.size();
    out.push_back({"every IsoFLOP minimum inside its grid",
                   fmt::format("{} of {} budgets{}", inside, budgets.size(),
                               outside.empty() ? "" : " (outside: " + outside + ")"),
                   met});
  }
  {
    const double decades = budgets.empty() ? 0 : std::log10(*budgets.rbegin() / *budgets.begin());
    out.push_back(
        {fmt::format("at least {} budgets over {:g} decade(s) of C", o.min_budgets, o.min_decades),
         fmt::format("{} budgets over {:.2f} decades", budgets.size(), decades),
         static_cast<int>(budgets.size()) >= o.min_budgets && decades >= o.min_decades - 1e-6});
  }
  {
    std::int64_t fewest = -1;
    std::string which;
    for (const StudyRun& r : s.runs.runs)
      if (r.fitted() && r.steps && (fewest < 0 || *r.steps < fewest)) {
        fewest = *r.steps;
        which = r.name;
      }
    out.push_back({fmt::format("every fitted run at least {} optimizer steps", o.min_steps),
                   fewest < 0 ? "no step counts" : fmt::format("fewest: {} ({})", fewest, which),
                   fewest >= o.min_steps});
  }
  if (!s.target_problem.empty())
    out.push_back(
        {"target run predicted", "no law to predict it with: " + s.target_problem, false});
  if (s.target_check) {
    const TargetCheck& c = *s.target_check;
    out.push_back({"target run inside its predicted interval",
                   fmt::format("observed {:.4f}, predicted {}", c.observed, loss_text(c.predicted)),
                   c.inside});
    out.push_back({fmt::format("target run predicted within {:g}%", 100 * o.max_target_error),
                   fmt::format("{:+.2f}%", 100 * c.relative_error),
                   std::abs(c.relative_error) <= o.max_target_error});
  }
  return out;
}

std::vector<std::string> trust_paragraphs(const Study& s) {
  std::vector<std::string> out;
  const auto& obs = s.observations;
  auto [n_lo, n_hi] = std::minmax_element(
      obs.begin(), obs.end(), [](const auto& a, const auto& b) { return a.params < b.params; });
  auto [d_lo, d_hi] = std::minmax_element(
      obs.begin(), obs.end(), [](const auto& a, const auto& b) { return a.tokens < b.tokens; });
  auto [c_lo, c_hi] = std::minmax_element(
      obs.begin(), obs.end(), [](const auto& a, const auto& b) { return a.flops < b.flops; });
  const char* count = s.param_count == ParamCount::kTotal ? "total" : "non-embedding";
  out.push_back(fmt::format(
      "Range: {} runs from C = {} to {} FLOPs ({:.2f} decades), N = {} to {} {} parameters, "
      "D = {} to {} tokens. Every number below holds inside that range; beyond it the fitted "
      "law is an extrapolation.",
      obs.size(), flops_text(c_lo->flops), flops_text(c_hi->flops),
      std::log10(c_hi->flops / c_lo->flops), format_si(n_lo->params), format_si(n_hi->params),
      count, format_si(d_lo->tokens), format_si(d_hi->tokens)));
  if (s.chinchilla) {
    const double a = s.chinchilla->point.value("alpha"), b = s.chinchilla->point.value("beta");
    out.push_back(fmt::format(
        "Exponents: this study fits alpha = {} and beta = {} (L = E + A/N^alpha + B/D^beta), "
        "so N_opt grows as C^{:.2f} and D_opt as C^{:.2f}. Hoffmann et al. 2022 (Chinchilla) "
        "published alpha = 0.34, beta = 0.28, and N_opt, D_opt ~ C^0.46-0.50 / C^0.50-0.54 over "
        "their three approaches; Besiroglu et al. 2024 re-fit their data to alpha = 0.35, "
        "beta = 0.37; Kaplan et al. 2020 found L(N) ~ N^-0.076, L(D) ~ D^-0.095 and N_opt ~ "
        "C^0.73 with non-embedding N. Those are fits at 1e18-1e24 FLOPs; at this study's scale "
        "exponents are not expected to match them, and a large alpha or beta only says the "
        "loss falls steeply in that variable over the range covered.",
        estimate_text(*s.chinchilla, "alpha"), estimate_text(*s.chinchilla, "beta"), b / (a + b),
        a / (a + b)));
  }
  if (s.isoflop)
    out.push_back(
        fmt::format("Approach 2 (IsoFLOP minima, {} budgets): N_opt ~ C^{}, D_opt ~ C^{}.",
                    s.isoflop->profiles.size(), power_law_interval(s.isoflop->params_opt),
                    power_law_interval(s.isoflop->tokens_opt)));
  if (s.validation)
    out.push_back(fmt::format(
        "Hold-out: fitted without the runs at C >= {} FLOPs, Approach 3 predicts them with a "
        "mean absolute error of {:.2f}%.",
        flops_text(s.validation->threshold), 100 * s.validation->mean_abs_relative_error));
  if (s.target_check) {
    const TargetCheck& c = *s.target_check;
    out.push_back(fmt::format(
        "Extrapolation: the target run at C = {} is {:.1f}x the largest budget fitted, with "
        "N = {} ({:.2f}x the range's largest) and D = {} ({:.2f}x). {} predicted {} and it "
        "reached {:.4f} ({:+.2f}%, {} the interval).",
        flops_text(c.flops), c.flops / c_hi->flops, format_si(c.params), c.params / n_hi->params,
        format_si(c.tokens), c.tokens / d_hi->tokens, c.method, loss_text(c.predicted), c.observed,
        100 * c.relative_error, c.inside ? "inside" : "outside"));
  }
  if (!s.target_problem.empty())
    out.push_back(fmt::format(
        "Extrapolation: none. No fitted law can predict a larger run ({}), so this study makes "
        "no prediction; it needs runs that pin the law down (more budgets, a wider range, "
        "more steps per run).",
        s.target_problem));
  if (s.runs.plan.is_object())
    out.push_back(
        "Weaknesses: one training run (one seed) per point, so the noise of a single run enters "
        "every fit; hyperparameters follow rules per scale rather than a tuning sweep at each "
        "size; losses are measured on one corpus with one tokenizer; and the bootstrap over "
        "runs treats the runs as independent draws, which they are not quite (they share data "
        "and rules).");
  else
    out.push_back(
        "Weaknesses: imported results; how their runs were trained (schedules, hyperparameters, "
        "seeds, evaluation data) is outside what this report can check, and the bootstrap "
        "treats them as independent draws.");
  return out;
}

}  // namespace scalelab::study
