#include "fitting/law.hpp"

#include <ceres/autodiff_first_order_function.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_objective.hpp"
#include "fitting/huber.hpp"
#include "fitting/minimize_1d.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

namespace {

template <typename T>
T lse2(const T& u, const T& v) {
  using std::exp;
  using std::log;
  return u > v ? u + log(T(1.0) + exp(v - u)) : v + log(T(1.0) + exp(u - v));
}

// Σ Huber(model log-loss − log loss) for a model with automatic derivatives.
template <class Model>
struct HuberSum {
  std::vector<LawPoint> points;
  double delta;
  template <typename T>
  bool operator()(const T* x, T* cost) const {
    T f(0.0);
    for (const auto& p : points) f += huber(Model::log_loss(x, p) - T(p.log_loss), delta);
    *cost = f;
    return true;
  }
};

template <class Model>
std::unique_ptr<ceres::FirstOrderFunction> autodiff_objective(const std::vector<LawPoint>& pts,
                                                              double delta) {
  return std::make_unique<ceres::AutoDiffFirstOrderFunction<HuberSum<Model>, Model::kParams>>(
      new HuberSum<Model>{pts, delta});
}

template <class Model>
double plain_log_loss(const double* x, const LawPoint& p) {
  return Model::log_loss(x, p);
}

// x = (log N_c, log D_c, α_N, α_D): log L = α_D · LSE((α_N/α_D)(log N_c − log N), log D_c − log D)
struct KaplanModel {
  static constexpr int kParams = 4;
  template <typename T>
  static T log_loss(const T* x, const LawPoint& p) {
    return x[3] * lse2((x[2] / x[3]) * (x[0] - T(p.log_n)), x[1] - T(p.log_d));
  }
};

// x = (e, a, α): log L = LSE(e, a − α·log X) with X = N, D or C.
template <int kVariable>
struct OneVariableModel {
  static constexpr int kParams = 3;
  template <typename T>
  static T log_loss(const T* x, const LawPoint& p) {
    const double log_x = kVariable == 0 ? p.log_n : kVariable == 1 ? p.log_d : p.log_c;
    return lse2(x[0], x[1] - x[2] * T(log_x));
  }
};

// Tokens per parameter behind U_N = min(N, U_D / r): the Chinchilla rule of thumb.
constexpr double kUniqueParamsTokensPerParam = 20.0;

// x = (a, b, e, α, β, log R*_D, log R*_N), Muennighoff et al. 2023 eqs. 5-6.
struct DataConstrainedModel {
  static constexpr int kParams = 7;
  template <typename T>
  static T log_loss(const T* x, const LawPoint& p) {
    using std::exp;
    using std::expm1;
    using std::log;
    const double u_d = p.unique_tokens;
    const double r_d = std::max(p.d / u_d - 1.0, 0.0);
    const double u_n = std::min(p.n, u_d / kUniqueParamsTokensPerParam);
    const double r_n = std::max(p.n / u_n - 1.0, 0.0);
    const T rd_star = exp(x[5]), rn_star = exp(x[6]);
    // log D' = log U_D + log(1 + R*_D·(1 − exp(−R_D/R*_D)))
    const T log_d_eff = T(std::log(u_d)) + log(T(1.0) - rd_star * expm1(-T(r_d) / rd_star));
    const T log_n_eff = T(std::log(u_n)) + log(T(1.0) - rn_star * expm1(-T(r_n) / rn_star));
    const T u1 = x[0] - x[3] * log_n_eff;
    const T u2 = x[1] - x[4] * log_d_eff;
    return lse2(lse2(u1, u2), x[2]);
  }
};

std::vector<double> range(double first, double last, double step) {
  std::vector<double> v;
  for (double t = first; t <= last + 1e-9; t += step) v.push_back(t);
  return v;
}

std::vector<LawSpec> make_laws() {
  std::vector<LawSpec> laws;
  {
    LawSpec s;
    s.name = "chinchilla";
    s.formula = "L = E + A/N^alpha + B/D^beta";
    s.params = {{"A", true, {}, std::exp(50.0)},
                {"B", true, {}, std::exp(50.0)},
                {"E", true, {}, {}},
                {"alpha", false, 0.0, 3.0, true},
                {"beta", false, 0.0, 3.0, true}};
    s.grid = hoffmann_grid_axes();
    s.objective = [](const std::vector<LawPoint>& pts, double delta) {
      return std::unique_ptr<ceres::FirstOrderFunction>(new ChinchillaObjective(pts, delta));
    };
    s.log_loss = [](const double* x, const LawPoint& p) {
      return chinchilla_log_loss(x, p.log_n, p.log_d);
    };
    s.allocates = true;
    laws.push_back(std::move(s));
  }
  {
    LawSpec s;
    s.name = "kaplan";
    s.formula = "L = ((N_c/N)^(alpha_N/alpha_D) + D_c/D)^alpha_D";
    s.params = {{"N_c", true, {}, {}},
                {"D_c", true, {}, {}},
                {"alpha_N", false, 0.0, 3.0, true},
                {"alpha_D", false, 0.0, 3.0, true}};
    s.grid = {{10, 20, 30, 40}, {10, 20, 30, 40}, {0.05, 0.1, 0.2, 0.4}, {0.05, 0.1, 0.2, 0.4}};
    s.objective = autodiff_objective<KaplanModel>;
    s.log_loss = plain_log_loss<KaplanModel>;
    s.allocates = true;
    laws.push_back(std::move(s));
  }
  const char* one_var_names[] = {"power-n", "power-d", "power-c"};
  const char* one_var_formulas[] = {"L = E + A/N^alpha", "L = E + A/D^alpha", "L = E + A/C^alpha"};
  for (int v = 0; v < 3; ++v) {
    LawSpec s;
    s.name = one_var_names[v];
    s.formula = one_var_formulas[v];
    s.params = {
        {"E", true, {}, {}}, {"A", true, {}, std::exp(80.0)}, {"alpha", false, 0.0, 3.0, true}};
    s.grid = {range(-1, 1, 0.5), range(0, 25, 5), {0.05, 0.1, 0.2, 0.3, 0.5, 1.0}};
    if (v == 0) {
      s.objective = autodiff_objective<OneVariableModel<0>>;
      s.log_loss = plain_log_loss<OneVariableModel<0>>;
    } else if (v == 1) {
      s.objective = autodiff_objective<OneVariableModel<1>>;
      s.log_loss = plain_log_loss<OneVariableModel<1>>;
    } else {
      s.objective = autodiff_objective<OneVariableModel<2>>;
      s.log_loss = plain_log_loss<OneVariableModel<2>>;
      s.of_compute = true;
    }
    laws.push_back(std::move(s));
  }
  {
    LawSpec s;
    s.name = "data-constrained";
    s.formula = "L = E + A/N'^alpha + B/D'^beta (Muennighoff et al. 2023)";
    s.params = {{"A", true, {}, std::exp(50.0)},
                {"B", true, {}, std::exp(50.0)},
                {"E", true, {}, {}},
                {"alpha", false, 0.0, 3.0, true},
                {"beta", false, 0.0, 3.0, true},
                {"R_D_star", true, 1e-3, 1e6},
                {"R_N_star", true, 1e-3, 1e6}};
    s.grid = {{0, 10, 20},
              {0, 10, 20},
              {0, 1},
              {0.3, 0.6},
              {0.3, 0.6},
              {std::log(5.0), std::log(15.0), std::log(50.0)},
              {std::log(5.0), std::log(15.0), std::log(50.0)}};
    s.needs_unique_tokens = true;
    s.objective = autodiff_objective<DataConstrainedModel>;
    s.log_loss = plain_log_loss<DataConstrainedModel>;
    s.allocates = true;
    laws.push_back(std::move(s));
  }
  return laws;
}

}  // namespace

std::vector<std::vector<double>> hoffmann_grid_axes() {
  return {range(0, 25, 5), range(0, 25, 5), range(-1, 1, 0.5), range(0, 2, 0.5), range(0, 2, 0.5)};
}

std::vector<double> LawSpec::reported(const std::vector<double>& x) const {
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = params[i].log_scale ? std::exp(x[i]) : x[i];
  return out;
}

double LawSpec::fitted_value(std::size_t i, double value) const {
  if (!params[i].log_scale) return value;
  if (!(value > 0))
    throw InputError(
        fmt::format("{}: {} must be positive to be fixed, got {}", name, params[i].name, value));
  return std::log(value);
}

std::size_t LawSpec::index(std::string_view n) const {
  std::string names;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == n) return i;
    names += (i ? ", " : "") + params[i].name;
  }
  throw InputError(fmt::format("law {} has no parameter '{}' (parameters: {})", name, n, names));
}

double LawSpec::predict(const std::vector<double>& x, const LawPoint& p) const {
  return std::exp(log_loss(x.data(), p));
}

const LawSpec& find_law(std::string_view name, std::string_view what) {
  static const std::vector<LawSpec> laws = make_laws();
  for (const auto& law : laws)
    if (law.name == name) return law;
  std::string names;
  for (const auto& law : laws) names += (names.empty() ? "" : ", ") + law.name;
  throw InputError(fmt::format("{}: unknown law '{}' (accepted: {})", what, name, names));
}

std::vector<std::string> law_names() {
  return {"chinchilla", "kaplan", "power-n", "power-d", "power-c", "data-constrained"};
}

ChinchillaLaw to_chinchilla_law(const std::vector<double>& x) {
  return {std::exp(x[kE]), std::exp(x[kA]), std::exp(x[kB]), x[kAlpha], x[kBeta]};
}

std::vector<double> chinchilla_parameters(const ChinchillaLaw& c) {
  return {std::log(c.A), std::log(c.B), std::log(c.E), c.alpha, c.beta};
}

std::vector<double> kaplan_parameters(const KaplanLaw& k) {
  return {std::log(k.N_c), std::log(k.D_c), k.alpha_N, k.alpha_D};
}

Allocation optimal_allocation(const LawSpec& law, const std::vector<double>& x, double c) {
  if (!law.allocates)
    throw InputError(
        fmt::format("law {} is not a law of N and D: it cannot split a budget", law.name));
  if (!(std::isfinite(c) && c > 0))
    throw InputError(fmt::format("budget must be finite and positive, got {}", c));
  if (law.name == "chinchilla") return to_chinchilla_law(x).optimal_allocation(c);
  // Minimise log L(N, C/(6N)) over t = log N ∈ [0, log(C/6)]: a scan, then golden section.
  const double total = std::log(params_tokens_product_6nd(c));
  auto g = [&](double t) {
    return law.log_loss(x.data(), make_point(std::exp(t), std::exp(total - t), c));
  };
  Allocation a;
  a.params = std::exp(minimize_1d(g, 0, total));
  a.tokens = tokens_for_budget_6nd(c, a.params);
  return a;
}

}  // namespace scalelab::fitting
