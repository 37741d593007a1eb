#include "fitting/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "fitting/minimize_1d.hpp"
#include "lib/budget.hpp"
#include "lib/compute.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

namespace {

// Beyond any model or corpus: L(N, kUnbounded) stands for L(N, D → ∞), and the searches over
// log N and log D stay inside [1, kUnbounded].
constexpr double kUnbounded = 1e30;

void check_law(const CompareLaw& law) {
  if (law.law == nullptr || !law.law->allocates)
    throw InputError(
        fmt::format("compare needs a law of N and D (chinchilla, kaplan, data-constrained), got {}",
                    law.law ? law.law->name : std::string("none")));
  law.require_sound();
}

// D as written after the colon: a count, or "<r>x" tokens per parameter.
double parse_tokens(std::string_view text, double params, const std::string& what) {
  if (!text.empty() && (text.back() == 'x' || text.back() == 'X'))
    return parse_count(text.substr(0, text.size() - 1), what + " (tokens per parameter)") * params;
  return parse_count(text, what);
}

double point_loss(const CompareLaw& law, const std::vector<double>& x, double n, double d) {
  return law.law->predict(x, make_point(n, d, training_flops_6nd(n, d)));
}

Estimate with_interval(double value, const std::vector<double>& draws, double level) {
  Estimate e{value, std::nullopt};
  if (!draws.empty()) e.interval = percentile_interval(draws, level);
  return e;
}

}  // namespace

CompareLaw published_law_as_fit(const PublishedLaw& published) {
  CompareLaw law;
  if (published.chinchilla) {
    law.law = &find_law("chinchilla");
    law.x = chinchilla_parameters(*published.chinchilla);
  } else {
    law.law = &find_law("kaplan");
    law.x = kaplan_parameters(*published.kaplan);
  }
  law.name = published.name;
  return law;
}

CompareConfig parse_compare_config(std::string_view text) {
  CompareConfig c;
  c.label = std::string(text);
  c.where = fmt::format("CONFIG '{}'", text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos)
    throw InputError(fmt::format(
        "{}: expected N:D, e.g. 50M:3.3B (SI suffixes k, M, B, T) or 25M:20x (20 tokens per "
        "parameter)",
        c.where));
  c.params = parse_count(text.substr(0, colon), c.where + ": N");
  c.tokens = parse_tokens(text.substr(colon + 1), c.params, c.where + ": D");
  return c;
}

std::vector<CompareConfig> read_compare_csv(const std::string& path) {
  const CsvTable t = read_csv(path);
  static const std::set<std::string> kKnown = {"N", "D", "label", "unique_tokens",
                                               "pretrained_tokens"};
  for (const auto& name : t.header)
    if (!kKnown.count(name))
      throw InputError(fmt::format(
          "{}: unknown column '{}' (accepted: N, D, label, unique_tokens, pretrained_tokens)",
          t.where(t.header_line), name));
  const auto n = t.column("N"), d = t.column("D");
  if (!n || !d)
    throw InputError(
        fmt::format("{}: needs columns N and D (optional: label, unique_tokens, "
                    "pretrained_tokens)",
                    t.where(t.header_line)));
  const auto label = t.column("label"), unique = t.column("unique_tokens"),
             pretrained = t.column("pretrained_tokens");
  std::vector<CompareConfig> out;
  for (const auto& row : t.rows) {
    CompareConfig c;
    c.where = t.where(row.line);
    c.params = parse_count(row.fields[*n], c.where + ": N");
    c.tokens = parse_tokens(row.fields[*d], c.params, c.where + ": D");
    if (unique && !row.fields[*unique].empty())
      c.unique_tokens = parse_count(row.fields[*unique], c.where + ": unique_tokens");
    if (pretrained && !row.fields[*pretrained].empty())
      c.pretrained_tokens = parse_count(row.fields[*pretrained], c.where + ": pretrained_tokens");
    c.label = label && !row.fields[*label].empty()
                  ? row.fields[*label]
                  : fmt::format("{}:{}", row.fields[*n], row.fields[*d]);
    out.push_back(std::move(c));
  }
  if (out.empty()) throw InputError(fmt::format("{}: no configurations", path));
  return out;
}

Comparison compare_configs(const CompareLaw& law, const std::vector<CompareConfig>& configs,
                           const CompareOptions& o) {
  check_law(law);
  if (configs.empty())
    throw InputError("no configuration to compare (give N:D arguments or --csv FILE)");
  if (!(o.level > 0 && o.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", o.level));
  if (!(std::isfinite(o.inference_tokens) && o.inference_tokens >= 0))
    throw InputError(
        fmt::format("--inference-tokens: {} (accepted: >= 0 tokens)", o.inference_tokens));
  Comparison result;
  result.best_by = o.inference_tokens > 0 ? "excess_cost" : "excess_loss";
  for (const CompareConfig& c : configs) {
    if (!(std::isfinite(c.params) && c.params > 0 && std::isfinite(c.tokens) && c.tokens > 0))
      throw InputError(fmt::format("{}: N and D must be positive, got N = {}, D = {}", c.where,
                                   c.params, c.tokens));
    if (!(std::isfinite(c.pretrained_tokens) && c.pretrained_tokens >= 0))
      throw InputError(
          fmt::format("{}: pretrained tokens must be >= 0, got {}", c.where, c.pretrained_tokens));
    const double seen = c.tokens + c.pretrained_tokens;  // D0 + D
    if (!(c.unique_tokens >= 0 && c.unique_tokens <= seen))
      throw InputError(fmt::format("{}: unique tokens {:g} must lie in [0, D0 + D = {:g}]", c.where,
                                   c.unique_tokens, seen));
    ComparedConfig r;
    r.config = c;
    r.flops = training_flops_6nd(c.params, c.tokens);
    r.tokens_per_param = c.tokens / c.params;
    r.loss =
        predict_loss(*law.law, law.x, law.samples, o.level, c.params, seen, c.unique_tokens).loss;
    r.optimal = predict_allocation(*law.law, law.x, law.samples, o.level, r.flops);
    // The excess over the optimum per refit: both losses from the same parameters.
    std::vector<double> excess;
    for (const auto& s : law.samples)
      excess.push_back(
          predict_loss(*law.law, s, {}, o.level, c.params, seen, c.unique_tokens).loss.value -
          predict_allocation(*law.law, s, {}, o.level, r.flops).loss.value);
    r.excess_loss = with_interval(r.loss.value - r.optimal.loss.value, excess, o.level);
    if (c.pretrained_tokens > 0) {
      const double unique = std::min(c.unique_tokens, c.tokens);
      r.scratch_loss =
          predict_loss(*law.law, law.x, law.samples, o.level, c.params, c.tokens, unique).loss;
      std::vector<double> gain;
      for (const auto& s : law.samples)
        gain.push_back(
            predict_loss(*law.law, s, {}, o.level, c.params, c.tokens, unique).loss.value -
            predict_loss(*law.law, s, {}, o.level, c.params, seen, c.unique_tokens).loss.value);
      r.continued_gain = with_interval(r.scratch_loss->value - r.loss.value, gain, o.level);
    }
    r.inference_flops = inference_flops_2nt(c.params, o.inference_tokens);
    r.total_flops = r.flops + r.inference_flops;
    if (o.inference_tokens > 0) {
      r.cheapest = cheapest_config_for_loss(law, r.loss.value, o.inference_tokens);
      r.excess_cost = r.total_flops / r.cheapest->total_flops - 1;
    }
    result.rows.push_back(std::move(r));
  }
  auto score = [&](const ComparedConfig& r) {
    return o.inference_tokens > 0 ? *r.excess_cost : r.excess_loss.value;
  };
  for (std::size_t i = 1; i < result.rows.size(); ++i)
    if (score(result.rows[i]) < score(result.rows[result.best])) result.best = i;
  result.rows[result.best].best = true;
  return result;
}

std::optional<double> tokens_for_loss(const CompareLaw& law, double n, double target) {
  check_law(law);
  // L decreases in D: bisection on log D over [0, log kUnbounded].
  if (!(point_loss(law, law.x, n, kUnbounded) < target)) return std::nullopt;
  double lo = 0, hi = std::log(kUnbounded);
  if (point_loss(law, law.x, n, 1.0) <= target) return 1.0;
  for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
    const double mid = (lo + hi) / 2;
    if (point_loss(law, law.x, n, std::exp(mid)) > target)
      lo = mid;
    else
      hi = mid;
  }
  return std::exp((lo + hi) / 2);
}

CheapestConfig cheapest_config_for_loss(const CompareLaw& law, double target, double t) {
  check_law(law);
  if (!std::isfinite(target) || target <= 0)
    throw InputError(fmt::format("--target-loss: {} (accepted: a positive loss)", target));
  const double floor = point_loss(law, law.x, kUnbounded, kUnbounded);
  if (!(floor < target))
    throw InputError(fmt::format(
        "--target-loss {}: the law does not reach it with any N and D (its loss tends to {:.6g})",
        target, floor));
  // The smallest N that reaches the target with unlimited D: L(N, ∞) decreases in N.
  double lo = 0, hi = std::log(kUnbounded);
  if (!(point_loss(law, law.x, 1.0, kUnbounded) < target)) {
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
      const double mid = (lo + hi) / 2;
      if (point_loss(law, law.x, std::exp(mid), kUnbounded) < target)
        hi = mid;
      else
        lo = mid;
    }
  } else {
    hi = 0;
  }
  // log(total cost) over log N from that bound up to 1e12 times it: D → ∞ at the bound, and
  // the cost grows with N beyond the optimum (which lies a factor ~10-1000 above the bound for
  // published laws).
  auto log_cost = [&](double log_n) {
    const double n = std::exp(log_n);
    const auto d = tokens_for_loss(law, n, target);
    if (!d) return std::numeric_limits<double>::infinity();
    return std::log(training_flops_6nd(n, *d) + inference_flops_2nt(n, t));
  };
  const double log_n = minimize_1d(log_cost, hi, hi + std::log(1e12));
  CheapestConfig c;
  c.params = std::exp(log_n);
  const auto d = tokens_for_loss(law, c.params, target);
  if (!d)
    throw InputError(
        fmt::format("--target-loss {}: no configuration found that reaches it", target));
  c.tokens = *d;
  c.training_flops = training_flops_6nd(c.params, c.tokens);
  c.inference_flops = inference_flops_2nt(c.params, t);
  c.total_flops = c.training_flops + c.inference_flops;
  return c;
}

TargetLossPlan plan_for_target_loss(const CompareLaw& law, double target, double t,
                                    const std::vector<double>& params,
                                    const std::vector<std::string>& labels) {
  check_law(law);
  if (!(std::isfinite(t) && t >= 0))
    throw InputError(fmt::format("--inference-tokens: {} (accepted: >= 0 tokens)", t));
  TargetLossPlan plan;
  plan.target_loss = target;
  plan.inference_tokens = t;
  const CheapestConfig best = cheapest_config_for_loss(law, target, t);
  auto row = [&](std::string label, double n, double d) {
    TargetLossRow r;
    r.label = std::move(label);
    r.params = n;
    r.tokens = d;
    r.tokens_per_param = d / n;
    r.training_flops = training_flops_6nd(n, d);
    r.inference_flops = inference_flops_2nt(n, t);
    r.total_flops = r.training_flops + r.inference_flops;
    r.excess_cost = r.total_flops / best.total_flops - 1;
    return r;
  };
  plan.rows.push_back(row("cheapest", best.params, best.tokens));
  std::vector<double> ns = params;
  std::vector<std::string> names = labels;
  if (ns.empty())
    for (double f : {0.25, 0.5, 2.0, 4.0}) {
      ns.push_back(best.params * f);
      names.push_back(fmt::format("{}x cheapest N", f));
    }
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const std::string label = i < names.size() ? names[i] : fmt::format("{}", ns[i]);
    if (!(std::isfinite(ns[i]) && ns[i] > 0))
      throw InputError(fmt::format("N '{}' must be positive", label));
    if (const auto d = tokens_for_loss(law, ns[i], target))
      plan.rows.push_back(row(label, ns[i], *d));
    else
      plan.unreachable.push_back(label);
  }
  std::stable_sort(
      plan.rows.begin(), plan.rows.end(),
      [](const TargetLossRow& a, const TargetLossRow& b) { return a.params < b.params; });
  for (std::size_t i = 0; i < plan.rows.size(); ++i) {
    if (plan.rows[i].total_flops < plan.rows[plan.best].total_flops) plan.best = i;
  }
  plan.rows[plan.best].best = true;
  return plan;
}

}  // namespace scalelab::fitting
