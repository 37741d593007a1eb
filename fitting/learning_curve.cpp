#include "fitting/learning_curve.hpp"

#include <ceres/jet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "fitting/huber.hpp"
#include "fitting/learning_curve_models.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

// ---- the schedule ---------------------------------------------------------------------------

LrSchedule::LrSchedule(std::vector<double> lr) : lr_(std::move(lr)) {
  if (lr_.empty()) throw InputError("learning-rate schedule: no steps");
  for (std::size_t i = 0; i < lr_.size(); ++i)
    if (!(std::isfinite(lr_[i]) && lr_[i] >= 0))
      throw InputError(
          fmt::format("learning-rate schedule: step {} has learning rate {}", i + 1, lr_[i]));
}

LrSchedule LrSchedule::from_function(const std::function<double(std::int64_t)>& lr_at,
                                     std::int64_t total_steps) {
  if (total_steps <= 0)
    throw InputError(fmt::format("learning-rate schedule: {} total steps", total_steps));
  std::vector<double> lr;
  lr.reserve(static_cast<std::size_t>(total_steps));
  for (std::int64_t s = 1; s <= total_steps; ++s) lr.push_back(lr_at(s));
  return LrSchedule(std::move(lr));
}

double LrSchedule::peak() const { return *std::max_element(lr_.begin(), lr_.end()); }

std::int64_t LrSchedule::peak_step() const {
  return static_cast<std::int64_t>(std::max_element(lr_.begin(), lr_.end()) - lr_.begin()) + 1;
}

void LrSchedule::areas(double decay, std::vector<double>* s1, std::vector<double>* s2) const {
  s1->assign(lr_.size(), 0);
  s2->assign(lr_.size(), 0);
  // Warmup is not annealing: the momentum starts at the schedule's first peak, so the rising
  // learning rate of warmup does not count as negative annealing (Tissue et al. fit the
  // post-warmup curve).
  const auto peak = static_cast<std::size_t>(peak_step() - 1);
  double a1 = 0, a2 = 0, m = 0, previous = lr_[peak];
  for (std::size_t i = 0; i < lr_.size(); ++i) {
    a1 += lr_[i];
    if (i > peak) {
      m = decay * m + (previous - lr_[i]);
      a2 += m;
      previous = lr_[i];
    }
    (*s1)[i] = a1;
    (*s2)[i] = a2;
  }
}

namespace curve_models {

ScheduleFeatures::ScheduleFeatures(const LrSchedule& schedule, double unit, double decay)
    : peak_step_(schedule.peak_step()) {
  schedule.areas(decay, &s1_, &s2_);
  eta_ = schedule.rates();
  prefix_.resize(eta_.size());
  double sum = 0;
  for (std::size_t i = 0; i < eta_.size(); ++i) {
    eta_[i] /= unit;
    s1_[i] /= unit;
    s2_[i] /= unit;
    sum += eta_[i];
    prefix_[i] = sum;
  }
}

Sample ScheduleFeatures::sample(std::int64_t step, bool with_blocks,
                                std::vector<LdBlock>* blocks) const {
  const auto i = static_cast<std::size_t>(step - 1);
  Sample s;
  s.log_t = std::log(static_cast<double>(step));
  s.s1 = s1_[i];
  s.s2 = s2_[i];
  if (!with_blocks) return s;
  s.block_begin = blocks->size();
  // Steps k = peak+1..t, grouped by their distance d = t − k into blocks of max(1, 5%·d)
  // steps; a block whose drops differ in sign (a schedule that rises again) is split into
  // single steps.
  const std::int64_t first = peak_step_ + 1;
  auto eta = [&](std::int64_t k) { return eta_[static_cast<std::size_t>(k - 1)]; };
  auto s_kt = [&](std::int64_t k) {  // S_k(t) = Σ_{τ=k..t} η_τ
    return prefix_[i] - (k >= 2 ? prefix_[static_cast<std::size_t>(k - 2)] : 0.0);
  };
  auto add_single = [&](std::int64_t k) {
    const double drop = eta(k - 1) - eta(k);
    if (drop == 0) return;
    if (eta(k) == 0)
      blocks->push_back({drop, 0, -1});
    else
      blocks->push_back({drop, std::log(eta(k)), s_kt(k)});
  };
  std::int64_t d = 0;
  while (step - d >= first) {
    const std::int64_t width =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(kBlockWidth * static_cast<double>(d)));
    const std::int64_t k_hi = step - d, k_lo = std::max(first, step - d - width + 1);
    double w = 0, wl = 0, ws = 0;
    bool positive = false, negative = false, zero_rate = false;
    for (std::int64_t k = k_lo; k <= k_hi; ++k) {
      const double drop = eta(k - 1) - eta(k);
      positive = positive || drop > 0;
      negative = negative || drop < 0;
      zero_rate = zero_rate || (drop != 0 && eta(k) == 0);
    }
    if (k_hi == k_lo || (positive && negative) || zero_rate) {
      for (std::int64_t k = k_hi; k >= k_lo; --k) add_single(k);
    } else {
      for (std::int64_t k = k_lo; k <= k_hi; ++k) {
        const double drop = eta(k - 1) - eta(k);
        w += drop;
        wl += drop * std::log(eta(k));
        ws += drop * s_kt(k);
      }
      if (w != 0) blocks->push_back({w, wl / w, ws / w});
    }
    d += k_hi - k_lo + 1;
  }
  s.block_end = blocks->size();
  return s;
}

}  // namespace curve_models

// ---- the models -----------------------------------------------------------------------------

std::string_view curve_model_name(CurveModel model) {
  switch (model) {
    case CurveModel::kPowerLaw:
      return "power-law";
    case CurveModel::kLrAware:
      return "lr-aware";
    case CurveModel::kMultiPower:
      return "multi-power";
  }
  return "?";
}

CurveModel parse_curve_model(std::string_view text, std::string_view what) {
  for (CurveModel m : kCurveModels)
    if (text == curve_model_name(m)) return m;
  throw InputError(
      fmt::format("{}: '{}' (accepted: power-law, lr-aware, multi-power)", what, text));
}

std::vector<std::string> curve_model_parameters(CurveModel model) {
  switch (model) {
    case CurveModel::kPowerLaw:
      return {"L_inf", "A", "alpha"};
    case CurveModel::kLrAware:
      return {"L0", "A", "alpha", "S0", "C"};
    case CurveModel::kMultiPower:
      return {"L0", "A", "alpha", "S0", "B", "C", "beta", "gamma"};
  }
  return {};
}

// Which parameters references share, chosen on the validation sets of
// scripts/validate_extrapolation.sh (README, "Early stopping"): the annealing parameters,
// which a curve that has barely annealed cannot identify, and the exponent alpha of the
// forward area, which the first 20% cannot separate from L0 and A (the target keeps its own
// L0 and A: with alpha given they are a linear fit). Mean |error| from 20% with a smaller
// model's reference (6 runs), annealing alone -> with alpha: at 20 tokens per parameter
// lr-aware 10.4% -> 5.1%, multi-power 9.8% -> 5.2%; at 100 tokens per parameter
// (lr-aware 3.3% -> 1.0%, multi-power 2.0% -> 1.5%). Sharing A as well was worse on both
// sets (3.5-7.5%).
std::vector<std::string> default_shared_parameters(CurveModel model) {
  switch (model) {
    case CurveModel::kPowerLaw:
      return {};
    case CurveModel::kLrAware:
      return {"alpha", "S0", "C"};
    case CurveModel::kMultiPower:
      return {"alpha", "S0", "B", "C", "beta", "gamma"};
  }
  return {};
}

bool CurveFit::finite() const { return std::isfinite(final_loss.value) && final_loss.value > 0; }

namespace {

using curve_models::LdBlock;
using curve_models::Sample;

// One curve as the objective sees it: its samples (and the multi-power blocks they point
// into), the sample of its final step, and where each of the model's parameters sits in the
// joint parameter vector.
struct PreparedCurve {
  std::vector<Sample> samples;
  std::vector<double> log_loss;
  std::vector<std::int64_t> steps;
  Sample at_final;
  std::vector<LdBlock> blocks;
  std::vector<int> index;  // model parameter j → joint coordinate
};

// The models' fitted coordinates, parameter by parameter: how the coordinate maps to the
// parameter (itself, its log, or a logistic onto (lo, hi)), and whether it describes
// annealing or the offset S0 (started from the grid below rather than from the curve's own
// power-law fit).
struct Coordinate {
  enum Kind { kLinear, kLog, kLogistic } kind = kLinear;
  bool grid = false;
  double lo = 0, hi = 0;
  double value(double z) const {
    if (kind == kLog) return std::exp(z);
    if (kind == kLogistic) return curve_models::logistic(z, lo, hi);
    return z;
  }
  double coordinate(double v) const {
    if (kind == kLog) return std::log(v);
    if (kind == kLogistic) return -std::log((hi - lo) / (v - lo) - 1);
    return v;
  }
};

std::vector<Coordinate> coordinates(CurveModel model) {
  using K = Coordinate;
  const Coordinate log{K::kLog, false}, linear{K::kLinear, false}, log_grid{K::kLog, true};
  switch (model) {
    case CurveModel::kPowerLaw:
      return {log, log, linear};
    case CurveModel::kLrAware:
      return {log, log, linear, log_grid, log_grid};
    case CurveModel::kMultiPower:
      return {log,
              log,
              linear,
              log_grid,
              log_grid,
              log_grid,
              {K::kLogistic, true, curve_models::kBetaLo, curve_models::kBetaHi},
              {K::kLogistic, true, curve_models::kGammaLo, curve_models::kGammaHi}};
  }
  return {};
}

// Where S0 sits among a model's parameters (none for the power law).
constexpr std::size_t kOffsetIndex = 3;
// log S0 when S0 is not fitted: 1e-13 peak-rate steps, nothing against S1 >= 1 step's rate.
constexpr double kNoOffset = -30;

// The grid of starts of the grid parameters (fitted coordinates, learning rates in units of
// the target's peak). S0: none (e^−20) or 10 peak-rate steps. lr-aware: log C of −30 (no
// annealing), −9 and −7 (0.12 and 0.9 nats less per 1,000 peak-rate steps of S2).
// multi-power: B of 0.05 and 0.3 nats per unit drop of the learning rate, the drop
// saturating after about 1/C = 10 or 100 peak-rate steps, β = 0.5, γ = 0.3 or 0.7 (Luo et
// al. fit β and γ near 0.4-0.6).
std::vector<std::vector<double>> start_grid(CurveModel model) {
  const auto c = coordinates(model);
  switch (model) {
    case CurveModel::kPowerLaw:
      return {{}};
    case CurveModel::kLrAware:
      return grid_product({{-20, std::log(10.0)}, {-30, -9, -7}});
    case CurveModel::kMultiPower:
      return grid_product({{-20, std::log(10.0)},
                           {std::log(0.05), std::log(0.3)},
                           {std::log(0.01), std::log(0.1)},
                           {c[6].coordinate(0.5)},
                           {c[7].coordinate(0.3), c[7].coordinate(0.7)}});
  }
  return {{}};
}

template <class Model>
class JointObjective final : public ceres::FirstOrderFunction {
 public:
  JointObjective(const std::vector<PreparedCurve>& curves,
                 const std::vector<std::vector<double>>& log_loss, int dim, double delta)
      : curves_(curves), log_loss_(log_loss), dim_(dim), delta_(delta) {}

  bool Evaluate(const double* x, double* cost, double* gradient) const override {
    constexpr int P = Model::kParams;
    double total = 0;
    if (gradient) std::fill(gradient, gradient + dim_, 0.0);
    for (std::size_t c = 0; c < curves_.size(); ++c) {
      const PreparedCurve& curve = curves_[c];
      const std::vector<double>& y = log_loss_[c];
      if (gradient) {
        using J = ceres::Jet<double, P>;
        J z[P];
        for (int j = 0; j < P; ++j) z[j] = J(x[curve.index[j]], j);
        J f(0.0);
        for (std::size_t i = 0; i < curve.samples.size(); ++i) {
          const J r = Model::log_loss(z, curve.samples[i], curve.blocks.data()) - J(y[i]);
          if (!(r.a == r.a)) return false;  // NaN: outside the model's domain
          f += huber(r, delta_);
        }
        total += f.a;
        for (int j = 0; j < P; ++j) {
          // Ceres' line search must not see an infinite gradient (it aborts): report the
          // point as outside the domain instead.
          if (!std::isfinite(f.v[j])) return false;
          gradient[curve.index[j]] += f.v[j];
        }
      } else {
        double z[P];
        for (int j = 0; j < P; ++j) z[j] = x[curve.index[j]];
        for (std::size_t i = 0; i < curve.samples.size(); ++i) {
          const double r = Model::log_loss(z, curve.samples[i], curve.blocks.data()) - y[i];
          if (!(r == r)) return false;
          total += huber(r, delta_);
        }
      }
    }
    if (!std::isfinite(total)) return false;
    *cost = total;
    return true;
  }
  int NumParameters() const override { return dim_; }

 private:
  const std::vector<PreparedCurve>& curves_;
  const std::vector<std::vector<double>>& log_loss_;
  int dim_;
  double delta_;
};

template <class Model>
double predict(const std::vector<double>& x, const PreparedCurve& curve) {
  double z[Model::kParams];
  for (int j = 0; j < Model::kParams; ++j) z[j] = x[curve.index[j]];
  return std::exp(Model::log_loss(z, curve.at_final, curve.blocks.data()));
}

template <class Model>
MultiStartResult minimize(const std::vector<PreparedCurve>& curves,
                          const std::vector<std::vector<double>>& log_loss, int dim,
                          const std::vector<std::vector<double>>& starts,
                          const std::vector<std::optional<double>>& fixed,
                          const LearningCurveOptions& o, int threads) {
  JointObjective<Model> f(curves, log_loss, dim, o.delta);
  LbfgsOptions lbfgs = o.lbfgs;
  lbfgs.threads = threads;
  return minimize_multistart(f, starts, fixed, lbfgs);
}

// The points of a curve, averaged over at most `max_points` contiguous bins of (nearly)
// equal count: each bin's mean loss at its middle point's step.
std::vector<CurvePoint> binned(const std::vector<CurvePoint>& points, int max_points) {
  const std::size_t n = points.size(), bins = static_cast<std::size_t>(std::max(4, max_points));
  if (n <= bins) return points;
  std::vector<CurvePoint> out;
  for (std::size_t b = 0; b < bins; ++b) {
    const std::size_t lo = b * n / bins, hi = (b + 1) * n / bins;
    double sum = 0;
    for (std::size_t i = lo; i < hi; ++i) sum += points[i].loss;
    out.push_back({points[(lo + hi - 1) / 2].step, sum / static_cast<double>(hi - lo)});
  }
  return out;
}

void check_series(const CurveSeries& c, bool needs_schedule) {
  const std::string name = c.name.empty() ? std::string("learning curve") : c.name;
  if (c.points.size() < 4)
    throw InputError(fmt::format("{}: {} points to fit, need at least 4", name, c.points.size()));
  if (c.total_steps <= 0)
    throw InputError(fmt::format("{}: {} planned steps", name, c.total_steps));
  std::int64_t previous = 0;
  for (const auto& p : c.points) {
    if (p.step <= 0 || !(std::isfinite(p.loss) && p.loss > 0))
      throw InputError(
          fmt::format("{}: step {} has loss {} (steps must be >= 1, losses finite and positive)",
                      name, p.step, p.loss));
    if (p.step <= previous)
      throw InputError(
          fmt::format("{}: step {} follows step {} (steps must increase)", name, p.step, previous));
    if (p.step > c.total_steps)
      throw InputError(fmt::format("{}: point at step {} is past the planned last step {}", name,
                                   p.step, c.total_steps));
    previous = p.step;
  }
  if (needs_schedule) {
    if (!c.schedule)
      throw InputError(
          fmt::format("{}: no learning-rate schedule (the lr-aware and multi-power "
                      "models need the planned schedule)",
                      name));
    if (c.schedule->total_steps() != c.total_steps)
      throw InputError(fmt::format("{}: the schedule has {} steps, the run {}", name,
                                   c.schedule->total_steps(), c.total_steps));
    if (!(c.schedule->peak() > 0))
      throw InputError(fmt::format("{}: every learning rate of the schedule is 0", name));
  }
}

PreparedCurve prepare(CurveModel model, const CurveSeries& c, double unit,
                      const LearningCurveOptions& o) {
  PreparedCurve p;
  const bool blocks = model == CurveModel::kMultiPower;
  std::optional<curve_models::ScheduleFeatures> features;
  if (c.schedule) features.emplace(*c.schedule, unit, o.decay);
  for (const CurvePoint& q : binned(c.points, o.max_points)) {
    Sample s;
    if (features) {
      s = features->sample(q.step, blocks, &p.blocks);
      if (model != CurveModel::kPowerLaw && !(s.s1 > 0))
        throw InputError(fmt::format("{}: no learning-rate area by step {}",
                                     c.name.empty() ? "learning curve" : c.name, q.step));
    } else {
      s.log_t = std::log(static_cast<double>(q.step));
    }
    p.samples.push_back(s);
    p.log_loss.push_back(std::log(q.loss));
    p.steps.push_back(q.step);
  }
  if (features)
    p.at_final = features->sample(c.total_steps, blocks, &p.blocks);
  else
    p.at_final.log_t = std::log(static_cast<double>(c.total_steps));
  return p;
}

// The start of a curve's own parameters: L0 + A·x^(−α) (x the step for the power law, S1
// for the others) fitted to its points alone, from a grid of 80 starts.
std::vector<double> own_start(CurveModel model, const PreparedCurve& curve,
                              const LearningCurveOptions& o) {
  PreparedCurve power = curve;
  power.index = {0, 1, 2};
  if (model != CurveModel::kPowerLaw)
    for (Sample& s : power.samples) s.log_t = std::log(s.s1);
  const auto grid = grid_product({{-1, 0, 0.5, 1, 1.5}, {0, 2, 4, 6}, {0.1, 0.3, 0.5, 1.0}});
  const MultiStartResult r =
      minimize<curve_models::PowerLaw>({power}, {power.log_loss}, 3, grid, {}, o, 1);
  return r.winner().x;
}

template <class Model>
CurveFit fit(CurveModel model, const CurveSeries& target, const std::vector<CurveSeries>& refs,
             const LearningCurveOptions& o) {
  const std::vector<std::string> names = curve_model_parameters(model);
  const std::vector<Coordinate> coords = coordinates(model);
  const bool needs_schedule = model != CurveModel::kPowerLaw;
  check_series(target, needs_schedule);
  for (const CurveSeries& r : refs) check_series(r, needs_schedule);
  if (refs.size() > 8)
    throw InputError(fmt::format("{} references: at most 8 are fitted jointly", refs.size()));
  if (!(o.level > 0 && o.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", o.level));
  if (o.bootstrap < 0)
    throw InputError(fmt::format("bootstrap: must be >= 0, got {}", o.bootstrap));
  if (!(o.decay >= 0 && o.decay < 1))
    throw InputError(fmt::format("S2 decay factor must be in [0, 1), got {}", o.decay));
  std::vector<bool> is_shared(names.size(), false);
  std::vector<std::string> shared_names;
  // Without the offset, S0 is one coordinate of every curve, fixed at kNoOffset.
  const bool no_offset = !o.offset && model != CurveModel::kPowerLaw;
  if (no_offset) is_shared[kOffsetIndex] = true;
  if (!refs.empty()) {
    for (const std::string& s : o.shared.value_or(default_shared_parameters(model))) {
      const auto it = std::find(names.begin(), names.end(), s);
      if (it == names.end())
        throw InputError(fmt::format("shared parameter '{}': the {} model has none", s,
                                     curve_model_name(model)));
      is_shared[static_cast<std::size_t>(it - names.begin())] = true;
    }
    for (std::size_t j = 0; j < names.size(); ++j)
      if (is_shared[j] && !(no_offset && j == kOffsetIndex)) shared_names.push_back(names[j]);
  }
  // One learning-rate unit for every curve: the target's peak.
  const double unit = target.schedule ? target.schedule->peak() : 1.0;

  // Joint coordinates: the shared parameters first, then each curve's own.
  std::vector<PreparedCurve> curves;
  curves.push_back(prepare(model, target, unit, o));
  for (const CurveSeries& r : refs) curves.push_back(prepare(model, r, unit, o));
  int dim = 0;
  std::vector<int> shared_index(names.size(), -1);
  for (std::size_t j = 0; j < names.size(); ++j)
    if (is_shared[j]) shared_index[j] = dim++;
  for (PreparedCurve& c : curves) {
    c.index.resize(names.size());
    for (std::size_t j = 0; j < names.size(); ++j)
      c.index[j] = is_shared[j] ? shared_index[j] : dim++;
  }

  // Starts: every curve's own parameters from its power-law fit (shared ones: the mean over
  // the curves), the annealing parameters from their grid.
  std::vector<std::vector<double>> own;
  for (const PreparedCurve& c : curves) own.push_back(own_start(model, c, o));
  std::vector<std::vector<double>> starts;
  for (const std::vector<double>& g : start_grid(model)) {
    std::vector<double> x(static_cast<std::size_t>(dim), 0.0);
    for (std::size_t j = 0; j < names.size(); ++j) {
      std::size_t a = 0;  // index of j among the grid parameters
      for (std::size_t k = 0; k < j; ++k) a += coords[k].grid ? 1 : 0;
      for (std::size_t c = 0; c < curves.size(); ++c) {
        double v;
        if (no_offset && j == kOffsetIndex) {
          v = kNoOffset;
        } else if (coords[j].grid) {
          v = g[a];
        } else if (is_shared[j]) {
          v = 0;
          for (const auto& w : own) v += w[j] / static_cast<double>(own.size());
        } else {
          v = own[c][j];
        }
        x[static_cast<std::size_t>(curves[c].index[j])] = v;
      }
    }
    starts.push_back(std::move(x));
  }
  std::vector<std::vector<double>> log_loss;
  for (const PreparedCurve& c : curves) log_loss.push_back(c.log_loss);
  std::vector<std::optional<double>> fixed(static_cast<std::size_t>(dim));
  if (no_offset) fixed[static_cast<std::size_t>(shared_index[kOffsetIndex])] = kNoOffset;
  const MultiStartResult ms = minimize<Model>(curves, log_loss, dim, starts, fixed, o, o.threads);
  const StartOutcome& best = ms.winner();
  if (!std::isfinite(best.objective))
    throw Error(fmt::format("learning curve ({}): no start reached a finite objective",
                            curve_model_name(model)));

  CurveFit out;
  out.model = std::string(curve_model_name(model));
  out.names = names;
  out.shared = shared_names;
  out.references = static_cast<int>(refs.size());
  out.objective = best.objective;
  out.converged = best.converged;
  out.termination = best.termination;
  out.final_step = target.total_steps;
  out.final_loss.value = predict<Model>(best.x, curves[0]);
  if (!out.finite()) out.final_loss.value = std::nan("");
  std::vector<double> z(names.size());
  for (std::size_t j = 0; j < names.size(); ++j) {
    z[j] = best.x[static_cast<std::size_t>(curves[0].index[j])];
    out.values.push_back(coords[j].value(z[j]));
  }
  // Back to the schedule's units (learning rates were divided by `unit`).
  if (model == CurveModel::kLrAware) {
    out.values[1] *= std::pow(unit, out.values[2]);  // A·((S1 + S0·u)/u)^−α
    out.values[3] *= unit;
    out.values[4] /= unit;  // C·S2/u
  } else if (model == CurveModel::kMultiPower) {
    out.values[1] *= std::pow(unit, out.values[2]);
    out.values[3] *= unit;
    out.values[4] /= unit;                               // B·Δη/u
    out.values[5] *= std::pow(unit, out.values[7] - 1);  // C·(η/u)^−γ·S/u
  }

  // The moving-block bootstrap of the residuals (see the header).
  if (o.bootstrap > 0 && out.finite()) {
    std::vector<std::vector<double>> fitted(curves.size());
    for (std::size_t c = 0; c < curves.size(); ++c) {
      double zc[Model::kParams];
      for (int j = 0; j < Model::kParams; ++j) zc[j] = best.x[curves[c].index[j]];
      for (const Sample& s : curves[c].samples)
        fitted[c].push_back(Model::log_loss(zc, s, curves[c].blocks.data()));
    }
    std::vector<double> draws(static_cast<std::size_t>(o.bootstrap), std::nan(""));
    parallel_for(draws.size(), o.threads, [&](std::size_t r) {
      std::mt19937_64 rng(o.seed * 0x9e3779b97f4a7c15ULL + r + 1);
      std::vector<std::vector<double>> y(curves.size());
      for (std::size_t c = 0; c < curves.size(); ++c) {
        const std::size_t n = fitted[c].size();
        const std::size_t len =
            o.block_length > 0 ? std::min(n, static_cast<std::size_t>(o.block_length))
                               : std::min(n, std::max<std::size_t>(
                                                 3, static_cast<std::size_t>(std::llround(
                                                        2 * std::cbrt(static_cast<double>(n))))));
        std::uniform_int_distribution<std::size_t> pick(0, n - len);
        y[c].resize(n);
        for (std::size_t i = 0; i < n;) {
          const std::size_t from = pick(rng);
          for (std::size_t k = 0; k < len && i < n; ++k, ++i)
            y[c][i] = fitted[c][i] + (curves[c].log_loss[from + k] - fitted[c][from + k]);
        }
      }
      const MultiStartResult refit = minimize<Model>(curves, y, dim, {best.x}, fixed, o, 1);
      if (std::isfinite(refit.winner().objective)) {
        const double v = predict<Model>(refit.winner().x, curves[0]);
        if (std::isfinite(v) && v > 0) draws[r] = v;
      }
    });
    std::vector<double> ok;
    for (double d : draws) {
      if (std::isfinite(d))
        ok.push_back(d);
      else
        ++out.bootstrap_failed;
    }
    if (!ok.empty()) out.final_loss.interval = percentile_interval(ok, o.level);
  }
  return out;
}

}  // namespace

CurveFit fit_learning_curve(CurveModel model, const CurveSeries& target,
                            const std::vector<CurveSeries>& references,
                            const LearningCurveOptions& options) {
  switch (model) {
    case CurveModel::kPowerLaw:
      return fit<curve_models::PowerLaw>(model, target, references, options);
    case CurveModel::kLrAware:
      return fit<curve_models::LrAware>(model, target, references, options);
    case CurveModel::kMultiPower:
      return fit<curve_models::MultiPower>(model, target, references, options);
  }
  throw Error("fit_learning_curve: unknown model");
}

double curve_loss(const CurveFit& fit, const std::optional<LrSchedule>& schedule, std::int64_t step,
                  double decay) {
  const CurveModel model = parse_curve_model(fit.model, "curve_loss");
  const std::vector<Coordinate> coords = coordinates(model);
  if (fit.values.size() != coords.size())
    throw Error(
        fmt::format("curve_loss: {} values for the {} model", fit.values.size(), fit.model));
  std::vector<double> z(coords.size());
  for (std::size_t j = 0; j < coords.size(); ++j) z[j] = coords[j].coordinate(fit.values[j]);
  if (model == CurveModel::kPowerLaw)
    return std::exp(curve_models::PowerLaw::log_loss(
        z.data(), Sample{std::log(static_cast<double>(step)), 0, 0, 0, 0}, nullptr));
  if (!schedule) throw InputError(fmt::format("the {} model needs the schedule", fit.model));
  if (step < 1 || step > schedule->total_steps())
    throw InputError(
        fmt::format("step {} is outside the schedule's {} steps", step, schedule->total_steps()));
  const curve_models::ScheduleFeatures features(*schedule, 1.0, decay);
  std::vector<LdBlock> blocks;
  const Sample s = features.sample(step, model == CurveModel::kMultiPower, &blocks);
  const double l = model == CurveModel::kLrAware
                       ? curve_models::LrAware::log_loss(z.data(), s, blocks.data())
                       : curve_models::MultiPower::log_loss(z.data(), s, blocks.data());
  return std::exp(l);
}

CurveFit extrapolate_power_law(const std::vector<CurvePoint>& partial, std::int64_t final_step,
                               const LearningCurveOptions& options) {
  return fit_learning_curve(CurveModel::kPowerLaw, {"learning curve", partial, final_step, {}}, {},
                            options);
}

double power_law_curve_loss(const std::vector<double>& v, double step) {
  return v[0] + v[1] * std::pow(step, -v[2]);
}

}  // namespace scalelab::fitting
