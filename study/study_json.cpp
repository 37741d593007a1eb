#include "study/study_json.hpp"

#include <cmath>

#include "study/trust.hpp"

namespace scalelab::study {

namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(); }

template <typename T>
json optional_number(const std::optional<T>& v) {
  return v ? number(static_cast<double>(*v)) : json();
}

json parametric_json(const fitting::ParametricOutcome& o, const std::string& approach,
                     const std::string& problem) {
  json params = json::object(), intervals = json::object(), at_bound = json::array();
  const auto& p = o.point;
  for (std::size_t i = 0; i < p.names.size(); ++i) {
    params[p.names[i]] = number(p.values[i]);
    if (i < o.bootstrap.intervals.size())
      intervals[p.names[i]] = {number(o.bootstrap.intervals[i].lo),
                               number(o.bootstrap.intervals[i].hi)};
    if (i < p.at_bound.size() && p.at_bound[i]) at_bound.push_back(p.names[i]);
  }
  return {{"approach", approach},
          {"law", p.law},
          {"params", params},
          {"intervals", intervals},
          {"objective", number(p.objective)},
          {"converged", p.converged},
          {"at_bound", at_bound},
          {"degenerate", !problem.empty()},
          {"reason", problem.empty() ? json() : json(problem)}};
}

}  // namespace

json study_json(const Study& s) {
  json runs = json::array();
  for (const StudyRun& r : s.runs.runs)
    runs.push_back({{"name", r.name},
                    {"status", r.status},
                    {"params", number(r.params)},
                    {"non_embedding_params", optional_number(r.non_embedding_params)},
                    {"tokens", number(r.planned_tokens)},
                    {"trained_tokens", number(r.trained_tokens)},
                    {"flops", number(r.flops)},
                    {"budget", optional_number(r.budget)},
                    {"steps", r.steps ? json(*r.steps) : json()},
                    {"final_train_loss", optional_number(r.final_train_loss)},
                    {"final_eval_loss", optional_number(r.final_eval_loss)},
                    {"fitted_loss", r.loss ? number(r.loss->value) : json()},
                    {"loss_kind", r.loss ? json(loss_kind_name(r.loss->kind)) : json()},
                    {"excluded", r.excluded.empty() ? json() : json(r.excluded)}});
  json fits = json::array();
  if (s.chinchilla) fits.push_back(parametric_json(*s.chinchilla, "3", approach3_problem(s)));
  if (s.isoflop) {
    json profiles = json::array();
    bool all_inside = true;
    for (const auto& p : s.isoflop->profiles) {
      profiles.push_back({{"flops", number(p.flops)},
                          {"n_runs", p.n_runs},
                          {"params_opt", number(p.params_opt.value)},
                          {"tokens_opt", number(p.tokens_opt)},
                          {"min_loss", number(p.min_loss)},
                          {"inside", !p.extrapolated}});
      all_inside = all_inside && !p.extrapolated;
    }
    const auto& a = s.isoflop->params_opt;
    const auto& b = s.isoflop->tokens_opt;
    const bool finite =
        std::isfinite(a.exponent_interval.lo) && std::isfinite(a.exponent_interval.hi);
    std::string reason;
    if (!all_inside) reason = "an IsoFLOP minimum lies outside its grid";
    if (!finite) reason = reason.empty() ? "no finite interval on the exponents" : reason;
    fits.push_back({{"approach", "2"},
                    {"law", "isoflop"},
                    {"params", {{"a", number(a.exponent)}, {"b", number(b.exponent)}}},
                    {"intervals",
                     {{"a", {number(a.exponent_interval.lo), number(a.exponent_interval.hi)}},
                      {"b", {number(b.exponent_interval.lo), number(b.exponent_interval.hi)}}}},
                    {"profiles", profiles},
                    {"degenerate", !reason.empty()},
                    {"reason", reason.empty() ? json() : json(reason)}});
  }
  if (s.loss_compute)
    fits.push_back(parametric_json(*s.loss_compute, "L(C)", s.loss_compute->degenerate_reason));
  json validation;
  if (s.validation)
    validation = {{"threshold", number(s.validation->threshold)},
                  {"mean_abs_relative_error", number(s.validation->mean_abs_relative_error)},
                  {"held_out", s.validation->held_out.size()}};
  json target;
  if (s.target_check) {
    const TargetCheck& c = *s.target_check;
    target = {{"run", c.run},
              {"params", number(c.params)},
              {"tokens", number(c.tokens)},
              {"flops", number(c.flops)},
              {"method", c.method},
              {"predicted", number(c.predicted.value)},
              {"predicted_lo", c.predicted.interval ? number(c.predicted.interval->lo) : json()},
              {"predicted_hi", c.predicted.interval ? number(c.predicted.interval->hi) : json()},
              {"observed", number(c.observed)},
              {"relative_error", number(c.relative_error)},
              {"inside", c.inside}};
  }
  json checks = json::array();
  for (const TrustCheck& c : trust_checks(s))
    checks.push_back({{"name", c.name}, {"value", c.value}, {"met", c.met}});
  return {{"source", s.runs.source},
          {"param_count", param_count_name(s.param_count)},
          {"runs", runs},
          {"fits", fits},
          {"validation", validation},
          {"target_check", target},
          {"target_problem", s.target_problem.empty() ? json() : json(s.target_problem)},
          {"checks", checks}};
}

}  // namespace scalelab::study
