#include "sweeps/extrapolation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lib/error.hpp"

namespace scalelab::sweeps {

using fitting::CurveModel;

// Measured with scripts/validate_extrapolation.sh (16 cosine and WSD runs of 4 sizes on KJV
// per set, train loss; README "Early stopping"). Without references the power law had the
// lowest mean |error| from 20% and 30% at 20 tokens per parameter (11.7% and 6.3%, against
// 13.6%/15.2% for lr-aware and 25.3%/13.6% for multi-power) and at 100 (9.3% and 4.8%). With
// references (a smaller model of the same schedule, or the same model's shorter schedule;
// alpha and the annealing parameters shared) multi-power had the lowest worst |error| from
// 20% on both sets (10.2% and 3.6%, against lr-aware's 10.7% and 5.6%) and the lowest mean
// from 30% (4.5% and 1.6% over the 8 fits, against 4.8% and 1.8%); lr-aware's mean from 20%
// was 0.1 points lower (5.0% and 1.5% against 5.1% and 1.6%). No rule met the 1% goal.
std::vector<CurveModel> recommendation_order(bool with_references) {
  if (with_references)
    return {CurveModel::kMultiPower, CurveModel::kLrAware, CurveModel::kPowerLaw};
  return {CurveModel::kPowerLaw, CurveModel::kLrAware, CurveModel::kMultiPower};
}

std::vector<Extrapolation> extrapolate_curve(const CurveSource& target,
                                             std::optional<double> fraction,
                                             const std::vector<CurveSource>& references,
                                             const ExtrapolationOptions& o) {
  if (o.loss != "train" && o.loss != "eval")
    throw InputError(fmt::format("--loss: '{}' (accepted: train, eval)", o.loss));
  const RunCurve& run = target.curve;
  const std::vector<fitting::CurvePoint>& curve = target.points(o.loss);
  const std::int64_t total = run.total_steps;
  if (curve.empty()) throw InputError(fmt::format("{}: no {} losses logged", target.where, o.loss));
  const double f = fraction.value_or(std::min(1.0, static_cast<double>(curve.back().step) / total));
  if (!(f > 0 && f <= 1))
    throw InputError(fmt::format("--fraction: {} (accepted: numbers in (0, 1])", f));
  const auto last = static_cast<std::int64_t>(std::floor(f * static_cast<double>(total) + 1e-9));
  auto skip = [&](const RunCurve& c) {
    return std::max(c.warmup_steps,
                    static_cast<std::int64_t>(o.fit_from * static_cast<double>(c.total_steps)));
  };
  fitting::CurveSeries series{target.name, fit_window(curve, skip(run), last), total, run.schedule};
  if (series.points.size() < 4)
    throw InputError(
        fmt::format("{}: --fraction {}: only {} post-warmup {} losses up to step {} of {} "
                    "(need 4)",
                    target.name, f, series.points.size(), o.loss, last, total));
  std::vector<fitting::CurveSeries> refs;
  std::vector<std::string> ref_names;
  for (const CurveSource& r : references) {
    const auto& points = r.points(o.loss);
    fitting::CurveSeries s{r.name, fit_window(points, skip(r.curve), r.curve.total_steps),
                           r.curve.total_steps, r.curve.schedule};
    if (s.points.size() < 4)
      throw InputError(fmt::format("reference {}: only {} post-warmup {} losses (need 4)", r.name,
                                   s.points.size(), o.loss));
    refs.push_back(std::move(s));
    ref_names.push_back(r.name);
  }
  std::optional<double> observed;
  if (target.finished(o.loss)) observed = final_loss(curve, total);

  std::vector<CurveModel> models = o.models;
  if (models.empty())
    models.assign(std::begin(fitting::kCurveModels), std::end(fitting::kCurveModels));
  std::vector<Extrapolation> rows;
  for (CurveModel m : models) {
    Extrapolation e;
    e.model = m;
    e.fraction = f;
    e.fit_steps = last;
    e.points = series.points.size();
    e.final_step = total;
    if (run.tokens_per_step) e.final_tokens = *run.tokens_per_step * static_cast<double>(total);
    e.fit = fitting::fit_learning_curve(m, series, refs, o.fit);
    e.references = ref_names;
    if (e.fit.finite()) {
      e.predicted = e.fit.final_loss.value;
      if (e.fit.final_loss.interval) {
        e.predicted_lo = e.fit.final_loss.interval->lo;
        e.predicted_hi = e.fit.final_loss.interval->hi;
      }
    }
    e.observed = observed;
    if (observed && e.predicted) e.relative_error = (*e.predicted - *observed) / *observed;
    rows.push_back(std::move(e));
  }
  for (CurveModel m : recommendation_order(!refs.empty())) {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const Extrapolation& e) { return e.model == m && e.predicted; });
    if (it != rows.end()) {
      it->recommended = true;
      break;
    }
  }
  return rows;
}

const Extrapolation* recommended(const std::vector<Extrapolation>& rows) {
  for (const Extrapolation& e : rows)
    if (e.recommended) return &e;
  return nullptr;
}

}  // namespace scalelab::sweeps
